/**
 * The real deploy path (scripts/deploy.ts and the devnet share it): every contract deployed and
 * wired, the genesis applied, every admin and parameter role handed to the DAO timelock, the
 * deployment file written, and a second run that finds the live deployment and sends nothing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash, id, parseEther } from "ethers";
import {
  DEVNET_GOVERNANCE,
  PRODUCTION_GOVERNANCE,
  governanceFor,
  launchNoosphere,
  liveDeployment,
} from "@noosphere/deploy";
import { devnetGenesis } from "@noosphere/devnet";
import {
  Billing__factory,
  Consensus__factory,
  Emission__factory,
  ModelRegistry__factory,
  NoosGovernor__factory,
  TimelockController__factory,
  NoosToken__factory,
  Staking__factory,
  SubnetRegistry__factory,
} from "@noosphere/contracts";

const PARAMS_ROLE = id("PARAMS_ROLE");
const MINTER_ROLE = id("MINTER_ROLE");

async function launchedFixture() {
  const signers = await ethers.getSigners();
  const [deployer, subnetOwner, client, v0, v1, m0, m1] = signers;
  if (!deployer || !subnetOwner || !client || !v0 || !v1 || !m0 || !m1) throw new Error("need 7 accounts");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-launch-"));
  process.env.NOOS_DEPLOYMENTS_DIR = dir;
  const genesis = devnetGenesis({
    deployer: deployer.address,
    subnetOwner: subnetOwner.address,
    client: client.address,
    validatorColdkeys: [v0.address, v1.address],
    minerColdkeys: [m0.address, m1.address],
  });
  const launched = await launchNoosphere({ deployer, genesis });
  const c = launched.deployment.contracts;
  return {
    deployer,
    genesis,
    launched,
    dir,
    token: NoosToken__factory.connect(c.token, deployer),
    emission: Emission__factory.connect(c.emission, deployer),
    staking: Staking__factory.connect(c.staking, deployer),
    subnets: SubnetRegistry__factory.connect(c.subnets, deployer),
    consensus: Consensus__factory.connect(c.consensus, deployer),
    models: ModelRegistry__factory.connect(c.models, deployer),
    billing: Billing__factory.connect(c.billing, deployer),
  };
}

describe("launchNoosphere (scripts/deploy.ts)", function () {
  after(() => {
    delete process.env.NOOS_DEPLOYMENTS_DIR;
  });

  it("deploys every contract and writes the deployment file", async function () {
    const { launched, dir } = await loadFixture(launchedFixture);
    expect(launched.deployed).to.equal(true);
    expect(launched.file).to.equal(path.join(dir, "31337.json"));
    const saved = JSON.parse(fs.readFileSync(launched.file, "utf8"));
    expect(Object.keys(saved.contracts).sort()).to.deep.equal([
      "billing",
      "consensus",
      "emission",
      "governor",
      "models",
      "staking",
      "subnets",
      "timelock",
      "token",
    ]);
    for (const address of Object.values(saved.contracts) as string[]) {
      expect(await ethers.provider.getCode(address)).to.not.equal("0x");
    }
  });

  it("hands every admin and parameter role to the timelock and keeps none for the deployer", async function () {
    const f = await loadFixture(launchedFixture);
    const timelock = f.launched.deployment.contracts.timelock;
    for (const contract of [f.token, f.emission, f.staking, f.subnets, f.consensus, f.models, f.billing]) {
      const name = await contract.getAddress();
      expect(await contract.hasRole(ZeroHash, timelock), `${name} admin`).to.equal(true);
      expect(await contract.hasRole(ZeroHash, f.deployer.address), `${name} admin`).to.equal(false);
      expect(await contract.hasRole(PARAMS_ROLE, f.deployer.address), `${name} params`).to.equal(false);
    }
    for (const contract of [f.emission, f.staking, f.subnets, f.consensus, f.models, f.billing]) {
      expect(await contract.hasRole(PARAMS_ROLE, timelock)).to.equal(true);
    }
  });

  it("lets only Emission and Billing mint, and wires the consensus contract's roles", async function () {
    const f = await loadFixture(launchedFixture);
    const c = f.launched.deployment.contracts;
    expect(await f.token.hasRole(MINTER_ROLE, c.emission)).to.equal(true);
    expect(await f.token.hasRole(MINTER_ROLE, c.billing)).to.equal(true);
    expect(await f.token.hasRole(MINTER_ROLE, f.deployer.address)).to.equal(false);
    expect(await f.token.hasRole(MINTER_ROLE, c.timelock)).to.equal(false);
    expect(await f.emission.hasRole(await f.emission.DISTRIBUTOR_ROLE(), c.consensus)).to.equal(true);
    expect(await f.staking.hasRole(await f.staking.REWARDER_ROLE(), c.consensus)).to.equal(true);
    expect(await f.subnets.hasRole(await f.subnets.EPOCH_ROLE(), c.consensus)).to.equal(true);
    await expect(f.token.mint(f.deployer.address, 1n))
      .to.be.revertedWithCustomError(f.token, "AccessControlUnauthorizedAccount")
      .withArgs(f.deployer.address, MINTER_ROLE);
  });

  it("applies the genesis: allocations, shares, staking, lock cost, consensus, billing, models", async function () {
    const f = await loadFixture(launchedFixture);
    const g = f.genesis;
    for (const { account, amount } of g.allocations) expect(await f.token.balanceOf(account)).to.equal(amount);
    for (const { netuid, bps } of g.emissionShares) expect(await f.emission.emissionShare(netuid)).to.equal(bps);
    expect(await f.staking.unstakeCooldownBlocks()).to.equal(20n);
    expect(await f.subnets.lockCost()).to.equal(parseEther("100"));
    for (const { netuid } of g.consensus) expect((await f.consensus.paramsOf(netuid)).weightsRateLimit).to.equal(1n);
    expect((await f.billing.rate())[0]).to.equal(1_000_000n);
    expect(await f.billing.priceInNoos(1, 0)).to.equal(parseEther("0.002"));
    expect(await f.billing.priceInNoos(2, 1)).to.equal(parseEther("0.0015"));
    expect(await f.billing.thawPeriod()).to.equal(300n);
    expect(g.models.length).to.be.greaterThan(0);
    for (const m of g.models) {
      const [owner, royalty] = await f.models.royaltyOf(m.hash);
      expect(owner).to.equal(m.owner);
      expect(royalty).to.equal(BigInt(m.royaltyBps));
    }
  });

  it("does nothing on a second run against a chain with the live deployment", async function () {
    const f = await loadFixture(launchedFixture);
    const nonce = await ethers.provider.getTransactionCount(f.deployer.address);
    const messages: string[] = [];
    const again = await launchNoosphere({ deployer: f.deployer, genesis: f.genesis, log: (m) => messages.push(m) });
    expect(again.deployed).to.equal(false);
    expect(again.deployment).to.deep.equal(f.launched.deployment);
    expect(await ethers.provider.getTransactionCount(f.deployer.address)).to.equal(nonce);
    expect(messages.join("\n")).to.match(/already has a live Noosphere deployment/);
  });

  it("treats a recorded deployment without code as absent (a restarted chain)", async function () {
    const f = await loadFixture(launchedFixture);
    const stale = {
      ...f.launched.deployment,
      contracts: { ...f.launched.deployment.contracts, token: ethers.Wallet.createRandom().address },
    };
    fs.writeFileSync(path.join(f.dir, "31337.json"), JSON.stringify(stale));
    expect(await liveDeployment(ethers.provider)).to.equal(undefined);
    fs.writeFileSync(path.join(f.dir, "31337.json"), JSON.stringify(f.launched.deployment));
    expect(await liveDeployment(ethers.provider)).to.deep.equal(f.launched.deployment);
  });

  it("governs the devnet in minutes, and the devnet genesis opens model contests", async function () {
    const { launched, models } = await loadFixture(launchedFixture);
    const c = launched.deployment.contracts;
    const governor = NoosGovernor__factory.connect(c.governor, ethers.provider);
    expect(await governor.votingPeriod()).to.equal(BigInt(DEVNET_GOVERNANCE.votingPeriod));
    expect(await TimelockController__factory.connect(c.timelock, ethers.provider).getMinDelay()).to.equal(60n);
    expect(await models.contestBond()).to.equal(parseEther("10"));
    expect(await models.bondToken()).to.equal(c.token);
  });
});

// The audit's "devnet governance on every chain": scripts/deploy.ts deployed any chain with a 60 s
// timelock and a 50-block vote. Off a devnet the production settings now apply unless the genesis
// names others.
describe("governance a deployment gets", function () {
  it("is the devnet's on a Hardhat chain only, production's anywhere else, the genesis's when it names one", function () {
    expect(governanceFor(31337)).to.equal(DEVNET_GOVERNANCE);
    for (const chainId of [1, 8453, 42161, 11155111]) expect(governanceFor(chainId)).to.equal(PRODUCTION_GOVERNANCE);
    const named = { ...PRODUCTION_GOVERNANCE, votingPeriod: 302_400 }; // a week of 2 s blocks
    expect(governanceFor(8453, named)).to.equal(named);
    expect(PRODUCTION_GOVERNANCE.minDelay).to.be.at.least(86_400);
    expect(PRODUCTION_GOVERNANCE.votingPeriod * 12).to.be.at.least(7 * 86_400);
  });

  it("production's reaches the governor and the timelock as named", async function () {
    const [deployer] = await ethers.getSigners();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-launch-prod-"));
    const saved = process.env.NOOS_DEPLOYMENTS_DIR;
    process.env.NOOS_DEPLOYMENTS_DIR = dir;
    try {
      const genesis = {
        ...devnetGenesis({
          deployer: deployer!.address,
          subnetOwner: deployer!.address,
          client: deployer!.address,
          validatorColdkeys: [],
          minerColdkeys: [],
        }),
        governance: PRODUCTION_GOVERNANCE,
        modelContests: { challengePeriod: 7 * 86_400, contestBond: parseEther("1000") },
      };
      const { deployment } = await launchNoosphere({ deployer: deployer!, genesis });
      const governor = NoosGovernor__factory.connect(deployment.contracts.governor, ethers.provider);
      const timelock = TimelockController__factory.connect(deployment.contracts.timelock, ethers.provider);
      expect(await timelock.getMinDelay()).to.equal(BigInt(PRODUCTION_GOVERNANCE.minDelay));
      expect(await governor.votingDelay()).to.equal(BigInt(PRODUCTION_GOVERNANCE.votingDelay));
      expect(await governor.votingPeriod()).to.equal(BigInt(PRODUCTION_GOVERNANCE.votingPeriod));
      expect(await governor.proposalThreshold()).to.equal(PRODUCTION_GOVERNANCE.proposalThreshold);
      const models = ModelRegistry__factory.connect(deployment.contracts.models, ethers.provider);
      expect(await models.challengePeriod()).to.equal(7n * 86_400n);
      // The genesis models were handed on before the challenge period was set.
      for (const m of genesis.models)
        expect((await models.royaltyOf(m.hash))[0]).to.equal(m.owner ?? deployer!.address);
    } finally {
      process.env.NOOS_DEPLOYMENTS_DIR = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
