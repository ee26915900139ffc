import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { ethers, network } from "hardhat";
import { loadFixture, mine, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { deployEmission, deployToken } from "@noosphere/deploy";
import { Emission__factory } from "@noosphere/contracts";
import type { Emission, NoosToken } from "@noosphere/contracts";
import { accruals, emissionFixture } from "./fixtures";
import { CAP, emissionRef, threshold } from "./halving";

const E18 = 10n ** 18n;
const GAS_CAP = 16_777_216n;

/** Amount minted by the accrual in `tx` (0 if none). */
async function accruedIn(emission: Emission, tx: ContractTransactionResponse): Promise<bigint> {
  return accruals(emission, await tx.wait()).reduce((a, b) => a + b, 0n);
}

async function supplyTo(token: NoosToken, minter: { address: string }, to: string, target: bigint): Promise<void> {
  const supply = await token.totalSupply();
  if (target > supply) await token.connect(await ethers.getSigner(minter.address)).mint(to, target - supply);
}

describe("Emission", function () {
  describe("deployment", function () {
    it("wires token, cap, treasury, admin and starts at the deployment block", async function () {
      const { token, emission, deployBlock, admin, treasury } = await loadFixture(emissionFixture);
      expect(await emission.token()).to.equal(await token.getAddress());
      expect(await emission.cap()).to.equal(CAP);
      expect(await emission.treasury()).to.equal(treasury.address);
      expect(await emission.hasRole(await emission.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await emission.MAX_BPS()).to.equal(10_000n);
      expect(await emission.PARAMS_ROLE()).to.equal(ethers.id("PARAMS_ROLE"));
      expect(await emission.DISTRIBUTOR_ROLE()).to.equal(ethers.id("DISTRIBUTOR_ROLE"));
      // The fixture's first accrual minted every block since deployment, all to the treasury.
      const last = await emission.lastAccrualBlock();
      expect(await emission.rewardIndex()).to.equal((last - BigInt(deployBlock)) * E18);
      expect(await token.balanceOf(treasury.address)).to.equal((last - BigInt(deployBlock)) * E18);
      expect(await emission.totalShares()).to.equal(0n);
    });

    it("sets lastAccrualBlock to the deployment block and emits EmissionTreasurySet", async function () {
      const [admin, treasury] = await ethers.getSigners();
      const token = await deployToken(admin!, { admin: admin!.address });
      const emission = await deployEmission(admin!, { token, admin: admin!.address, treasury: treasury!.address });
      const tx = emission.deploymentTransaction()!;
      const receipt = (await tx.wait())!;
      expect(await emission.lastAccrualBlock()).to.equal(BigInt(receipt.blockNumber));
      await expect(tx).to.emit(emission, "EmissionTreasurySet").withArgs(ethers.ZeroAddress, treasury!.address);
    });

    it("reverts with EmissionZeroAddress for a zero token, admin or treasury", async function () {
      const [admin, treasury] = await ethers.getSigners();
      const token = await deployToken(admin!, { admin: admin!.address });
      const factory = new Emission__factory(admin!);
      const zero = ethers.ZeroAddress;
      await expect(
        deployEmission(admin!, { token: zero, admin: admin!.address, treasury: treasury!.address }),
      ).to.be.revertedWithCustomError(factory, "EmissionZeroAddress");
      await expect(
        deployEmission(admin!, { token, admin: zero, treasury: treasury!.address }),
      ).to.be.revertedWithCustomError(factory, "EmissionZeroAddress");
      await expect(
        deployEmission(admin!, { token, admin: admin!.address, treasury: zero }),
      ).to.be.revertedWithCustomError(factory, "EmissionZeroAddress");
    });
  });

  describe("blockReward", function () {
    it("pays 1 NOOS below 10.5M and halves at 10.5M, 15.75M, 18.375M", async function () {
      const { emission } = await loadFixture(emissionFixture);
      expect(await emission.blockReward(0n)).to.equal(E18);
      expect(await emission.blockReward(10_500_000n * E18 - 1n)).to.equal(E18);
      expect(await emission.blockReward(10_500_000n * E18)).to.equal(E18 / 2n);
      expect(await emission.blockReward(15_750_000n * E18 - 1n)).to.equal(E18 / 2n);
      expect(await emission.blockReward(15_750_000n * E18)).to.equal(E18 / 4n);
      expect(await emission.blockReward(18_375_000n * E18)).to.equal(E18 / 8n);
      for (let k = 4; k < 60; k++) {
        expect(await emission.blockReward(threshold(k))).to.equal(E18 >> BigInt(k));
        expect(await emission.blockReward(threshold(k) - 1n)).to.equal(E18 >> BigInt(k - 1));
      }
    });

    it("is 0 from band 60 on, at the cap and past it", async function () {
      const { emission } = await loadFixture(emissionFixture);
      expect(await emission.blockReward(threshold(60))).to.equal(0n);
      expect(await emission.blockReward(CAP - 1n)).to.equal(0n);
      expect(await emission.blockReward(CAP)).to.equal(0n);
      expect(await emission.blockReward(CAP + 1n)).to.equal(0n);
      expect(await emission.blockReward(ethers.MaxUint256)).to.equal(0n);
    });
  });

  describe("accrue", function () {
    it("mints one NOOS per block to the treasury when no subnet has a share", async function () {
      const { token, emission, treasury } = await loadFixture(emissionFixture);
      const from = await emission.lastAccrualBlock();
      const before = await token.balanceOf(treasury.address);
      await mine(9);
      const tx = await emission.accrue();
      await expect(tx)
        .to.emit(emission, "EmissionAccrued")
        .withArgs(from, from + 10n, 10n * E18, 0n, 10n * E18);
      await expect(tx)
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, treasury.address, 10n * E18);
      expect(await token.balanceOf(treasury.address)).to.equal(before + 10n * E18);
      expect(await emission.lastAccrualBlock()).to.equal(from + 10n);
    });

    it("books the shared part to itself and the rest to the treasury", async function () {
      const { token, emission, params, treasury } = await loadFixture(emissionFixture);
      await emission.connect(params).setEmissionShare(1, 6000);
      await emission.connect(params).setEmissionShare(2, 3000);
      const held = await token.balanceOf(emission);
      const tBefore = await token.balanceOf(treasury.address);
      const from = await emission.lastAccrualBlock();
      await mine(9);
      await expect(emission.accrue())
        .to.emit(emission, "EmissionAccrued")
        .withArgs(from, from + 10n, 10n * E18, 9n * E18, E18);
      expect(await token.balanceOf(emission)).to.equal(held + 9n * E18);
      expect(await token.balanceOf(treasury.address)).to.equal(tBefore + E18);
      expect(await emission.pendingEmission(1)).to.be.greaterThanOrEqual(6n * E18);
    });

    it("does nothing the second time in the same block", async function () {
      const { token, emission } = await loadFixture(emissionFixture);
      await mine(4);
      await network.provider.send("evm_setAutomine", [false]);
      try {
        const first = await emission.accrue();
        const second = await emission.accrue();
        await mine(1);
        expect(await accruedIn(emission, first)).to.equal(5n * E18);
        const r2 = (await second.wait())!;
        expect(r2.logs.length).to.equal(0);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      expect(await emission.rewardIndex()).to.equal(await token.balanceOf((await emission.treasury()) as string));
    });

    it("reverts when Emission lacks MINTER_ROLE on the token", async function () {
      const { token, emission, admin } = await loadFixture(emissionFixture);
      const role = await token.MINTER_ROLE();
      await token.connect(admin).revokeRole(role, emission);
      await expect(emission.accrue())
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(await emission.getAddress(), role);
    });

    it("follows the schedule across a halving threshold within one accrual", async function () {
      const { token, emission, minter, holder } = await loadFixture(emissionFixture);
      const t1 = threshold(1);
      // Mint so that the accrual starts 2.5 NOOS below 10.5M: 1 + 1 + 1 (crossing) then 0.5 per block.
      await emission.accrue();
      await token.connect(minter).mint(holder.address, t1 - (25n * E18) / 10n - (await token.totalSupply()));
      // blocks since the last accrual: the mint block + 3 mined + the accrue block = 5
      await mine(3);
      const tx = await emission.accrue();
      expect(await accruedIn(emission, tx)).to.equal(3n * E18 + E18);
      expect(emissionRef(t1 - (25n * E18) / 10n, 5n)).to.equal(4n * E18);
    });

    it("uses total supply as issuance: burns delay halvings, other mints count", async function () {
      const { token, emission, minter, holder } = await loadFixture(emissionFixture);
      await supplyTo(token, minter, holder.address, threshold(1));
      await emission.accrue();
      await mine(1);
      expect(await accruedIn(emission, await emission.accrue())).to.equal(E18); // 2 blocks at 0.5
      await token.connect(holder).burn(10n * E18);
      // The burn block + the accrue block, both paid at 1 NOOS again (supply back under 10.5M).
      expect(await accruedIn(emission, await emission.accrue())).to.equal(2n * E18);
    });

    it("mints nothing (but still advances) once the cap is reached by other mints", async function () {
      const { token, emission, minter, holder } = await loadFixture(emissionFixture);
      await supplyTo(token, minter, holder.address, CAP);
      const from = await emission.lastAccrualBlock();
      await expect(emission.accrue())
        .to.emit(emission, "EmissionAccrued")
        .withArgs(from, from + 2n, 0n, 0n, 0n);
      expect(await token.totalSupply()).to.equal(CAP);
      expect(await emission.unaccruedEmission()).to.equal(0n);
    });

    it("catches up 2^31 blocks from zero supply through every halving, under the gas cap", async function () {
      // The chain goes back afterwards: later suites scanning logs from block 0 would crawl.
      const before = await takeSnapshot();
      try {
        const [admin, treasury] = await ethers.getSigners();
        const token = await deployToken(admin!, { admin: admin!.address });
        const emission = await deployEmission(admin!, { token, admin: admin!.address, treasury: treasury!.address });
        await token.grantRole(await token.MINTER_ROLE(), emission);
        const from = await emission.lastAccrualBlock();
        await mine(2n ** 31n);
        const tx = await emission.accrue();
        const receipt = (await tx.wait())!;
        const blocks = BigInt(receipt.blockNumber) - from;
        const expected = emissionRef(0n, blocks);
        expect(await accruedIn(emission, tx)).to.equal(expected);
        expect(await token.totalSupply()).to.equal(expected);
        expect(expected).to.be.lessThan(CAP);
        expect(CAP - expected).to.be.lessThan(CAP >> 59n); // reached band 60, where the reward is 0
        expect(receipt.gasUsed).to.be.lessThan(GAS_CAP);
        expect(await emission.blockReward(await token.totalSupply())).to.equal(0n);
        await mine(1000);
        expect(await accruedIn(emission, await emission.accrue())).to.equal(0n);
      } finally {
        await before.restore();
      }
    });
  });

  describe("setEmissionShare", function () {
    it("only PARAMS_ROLE", async function () {
      const { emission, alice, admin } = await loadFixture(emissionFixture);
      const role = await emission.PARAMS_ROLE();
      await expect(emission.connect(alice).setEmissionShare(1, 100))
        .to.be.revertedWithCustomError(emission, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, role);
      await expect(emission.connect(admin).setEmissionShare(1, 100))
        .to.be.revertedWithCustomError(emission, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, role);
    });

    it("sets the share, keeps the total and emits EmissionShareSet", async function () {
      const { emission, params } = await loadFixture(emissionFixture);
      await expect(emission.connect(params).setEmissionShare(1, 4000))
        .to.emit(emission, "EmissionShareSet")
        .withArgs(1, 0, 4000, 4000);
      await expect(emission.connect(params).setEmissionShare(7, 6000))
        .to.emit(emission, "EmissionShareSet")
        .withArgs(7, 0, 6000, 10_000);
      await expect(emission.connect(params).setEmissionShare(1, 1000))
        .to.emit(emission, "EmissionShareSet")
        .withArgs(1, 4000, 1000, 7000);
      expect(await emission.emissionShare(1)).to.equal(1000n);
      expect(await emission.emissionShare(7)).to.equal(6000n);
      expect(await emission.emissionShare(2)).to.equal(0n);
      expect(await emission.totalShares()).to.equal(7000n);
    });

    it("reverts with EmissionSharesExceed when shares would sum past 10,000", async function () {
      const { emission, params } = await loadFixture(emissionFixture);
      await expect(emission.connect(params).setEmissionShare(1, 10_001))
        .to.be.revertedWithCustomError(emission, "EmissionSharesExceed")
        .withArgs(10_001);
      await emission.connect(params).setEmissionShare(1, 7000);
      await expect(emission.connect(params).setEmissionShare(2, 3001))
        .to.be.revertedWithCustomError(emission, "EmissionSharesExceed")
        .withArgs(10_001);
      await expect(emission.connect(params).setEmissionShare(2, 65_535))
        .to.be.revertedWithCustomError(emission, "EmissionSharesExceed")
        .withArgs(72_535);
      await emission.connect(params).setEmissionShare(2, 3000);
      await expect(emission.connect(params).setEmissionShare(1, 7001))
        .to.be.revertedWithCustomError(emission, "EmissionSharesExceed")
        .withArgs(10_001);
    });

    it("books past blocks at the old share before changing it", async function () {
      const { emission, params } = await loadFixture(emissionFixture);
      await emission.connect(params).setEmissionShare(1, 5000); // from the next block on: 0.5 NOOS
      await mine(9);
      await emission.connect(params).setEmissionShare(1, 10_000); // 10 blocks at 50%
      expect(await emission.pendingEmission(1)).to.equal(5n * E18);
      await mine(9);
      await emission.accrue();
      expect(await emission.pendingEmission(1)).to.equal(15n * E18);
      await emission.connect(params).setEmissionShare(1, 0);
      await mine(50);
      expect(await emission.pendingEmission(1)).to.equal(16n * E18);
    });
  });

  describe("pull", function () {
    it("only DISTRIBUTOR_ROLE", async function () {
      const { emission, alice, admin } = await loadFixture(emissionFixture);
      const role = await emission.DISTRIBUTOR_ROLE();
      await expect(emission.connect(alice).pull(1))
        .to.be.revertedWithCustomError(emission, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, role);
      await expect(emission.connect(admin).pull(1))
        .to.be.revertedWithCustomError(emission, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, role);
    });

    it("accrues, transfers what the subnet earned to the caller and returns it", async function () {
      const { token, emission, params, distributor } = await loadFixture(emissionFixture);
      await emission.connect(params).setEmissionShare(3, 2500);
      await mine(7);
      // eth_call runs at the latest block: the return value is what pendingEmission says there.
      const returned = await emission.connect(distributor).pull.staticCall(3);
      expect(returned).to.equal((7n * E18) / 4n);
      expect(returned).to.equal(await emission.pendingEmission(3));
      const tx = emission.connect(distributor).pull(3); // mined 8 blocks after the share was set
      await expect(tx)
        .to.emit(emission, "EmissionPulled")
        .withArgs(3, distributor.address, 2n * E18);
      await expect(tx).to.changeTokenBalance(token, distributor, 2n * E18);
      expect(await emission.pendingEmission(3)).to.equal(0n);
      await mine(1);
      expect(await emission.pendingEmission(3)).to.equal(E18 / 4n);
    });

    it("returns 0 and transfers nothing for a subnet without emission or pulled twice in a block", async function () {
      const { token, emission, params, distributor } = await loadFixture(emissionFixture);
      expect(await emission.connect(distributor).pull.staticCall(9)).to.equal(0n);
      const tx = emission.connect(distributor).pull(9);
      await expect(tx).to.emit(emission, "EmissionPulled").withArgs(9, distributor.address, 0n);
      await expect(tx).to.changeTokenBalances(token, [distributor, emission], [0n, 0n]);

      await emission.connect(params).setEmissionShare(9, 10_000);
      await mine(3);
      await network.provider.send("evm_setAutomine", [false]);
      try {
        const first = await emission.connect(distributor).pull(9);
        const second = await emission.connect(distributor).pull(9);
        await mine(1);
        await expect(first)
          .to.emit(emission, "EmissionPulled")
          .withArgs(9, distributor.address, 4n * E18);
        await expect(second).to.emit(emission, "EmissionPulled").withArgs(9, distributor.address, 0n);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      expect(await token.balanceOf(distributor.address)).to.equal(4n * E18);
    });
  });

  describe("pendingEmission and unaccruedEmission", function () {
    it("include blocks not yet accrued and match a later accrual", async function () {
      const { token, emission, params, treasury } = await loadFixture(emissionFixture);
      await emission.connect(params).setEmissionShare(1, 3333);
      await emission.connect(params).setEmissionShare(2, 6667);
      await mine(20);
      const unaccrued = await emission.unaccruedEmission();
      expect(unaccrued).to.equal(20n * E18); // views run at the latest block
      const p1 = await emission.pendingEmission(1);
      const p2 = await emission.pendingEmission(2);
      // The two subnets together take every wei but the carried fractions (< 1 wei each).
      const held = (await token.balanceOf(emission)) + unaccrued;
      expect(held - p1 - p2).to.be.lessThan(2n);
      expect(held - p1 - p2).to.be.greaterThanOrEqual(0n);
      const t0 = await token.balanceOf(treasury.address);
      await mine(9);
      await emission.accrue(); // 30 blocks since the last accrual
      expect(await token.balanceOf(treasury.address)).to.equal(t0);
      expect(await emission.pendingEmission(1)).to.equal(p1 + (10n * E18 * 3333n) / 10_000n);
      expect(await emission.pendingEmission(2)).to.equal(p2 + (10n * E18 * 6667n) / 10_000n);
      expect(await emission.unaccruedEmission()).to.equal(0n);
    });

    it("follows the schedule in the view across a threshold", async function () {
      const { token, emission, params, minter, holder } = await loadFixture(emissionFixture);
      await emission.connect(params).setEmissionShare(4, 10_000);
      await supplyTo(token, minter, holder.address, threshold(2) - 10n * E18);
      await mine(100);
      const issued = await token.totalSupply();
      const blocks = BigInt(await ethers.provider.getBlockNumber()) - (await emission.lastAccrualBlock());
      expect(await emission.unaccruedEmission()).to.equal(emissionRef(issued, blocks));
    });
  });

  describe("setTreasury", function () {
    it("only DEFAULT_ADMIN_ROLE", async function () {
      const { emission, params, alice } = await loadFixture(emissionFixture);
      await expect(emission.connect(params).setTreasury(alice.address))
        .to.be.revertedWithCustomError(emission, "AccessControlUnauthorizedAccount")
        .withArgs(params.address, ethers.ZeroHash);
    });

    it("reverts with EmissionZeroAddress for the zero address", async function () {
      const { emission, admin } = await loadFixture(emissionFixture);
      await expect(emission.connect(admin).setTreasury(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        emission,
        "EmissionZeroAddress",
      );
    });

    it("accrues to the old treasury first, then pays the new one", async function () {
      const { token, emission, admin, treasury, alice } = await loadFixture(emissionFixture);
      const t0 = await token.balanceOf(treasury.address);
      await mine(4);
      await expect(emission.connect(admin).setTreasury(alice.address))
        .to.emit(emission, "EmissionTreasurySet")
        .withArgs(treasury.address, alice.address);
      expect(await emission.treasury()).to.equal(alice.address);
      expect(await token.balanceOf(treasury.address)).to.equal(t0 + 5n * E18);
      await mine(2);
      await emission.accrue();
      expect(await token.balanceOf(treasury.address)).to.equal(t0 + 5n * E18);
      expect(await token.balanceOf(alice.address)).to.equal(3n * E18);
    });
  });

  describe("roles", function () {
    it("admin grants and revokes PARAMS_ROLE and DISTRIBUTOR_ROLE; others cannot", async function () {
      const { emission, admin, alice } = await loadFixture(emissionFixture);
      const role = await emission.DISTRIBUTOR_ROLE();
      await expect(emission.connect(alice).grantRole(role, alice.address))
        .to.be.revertedWithCustomError(emission, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, ethers.ZeroHash);
      await expect(emission.connect(admin).grantRole(role, alice.address))
        .to.emit(emission, "RoleGranted")
        .withArgs(role, alice.address, admin.address);
      await expect(emission.connect(alice).pull(1)).to.emit(emission, "EmissionPulled");
      await emission.connect(admin).revokeRole(role, alice.address);
      await expect(emission.connect(alice).pull(1)).to.be.revertedWithCustomError(
        emission,
        "AccessControlUnauthorizedAccount",
      );
    });
  });
});
