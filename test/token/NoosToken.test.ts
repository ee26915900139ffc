import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import { deployToken } from "@noosphere/deploy";
import { NoosToken__factory } from "@noosphere/contracts";
import type { NoosToken } from "@noosphere/contracts";

const E18 = 10n ** 18n;
const CAP = 21_000_000n * E18;

async function tokenFixture() {
  const [admin, minter, alice, bob, carol] = await ethers.getSigners();
  if (!admin || !minter || !alice || !bob || !carol) throw new Error("need 5 signers");
  const token = await deployToken(admin, { admin: admin.address });
  await token.grantRole(await token.MINTER_ROLE(), minter.address);
  await token.connect(minter).mint(alice.address, 1000n * E18);
  return { token, admin, minter, alice, bob, carol };
}

async function domainOf(token: NoosToken) {
  return {
    name: "Noosphere",
    version: "1",
    chainId: (await ethers.provider.getNetwork()).chainId,
    verifyingContract: await token.getAddress(),
  };
}

/** Permit for `ownerAddress` (default: the signer's own address) signed by `signer`. */
async function signPermit(
  token: NoosToken,
  signer: Signer,
  spender: string,
  value: bigint,
  deadline: bigint,
  ownerAddress?: string,
) {
  ownerAddress ??= await signer.getAddress();
  const types = {
    Permit: [
      { name: "owner", type: "address" },
      { name: "spender", type: "address" },
      { name: "value", type: "uint256" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ],
  };
  const message = { owner: ownerAddress, spender, value, nonce: await token.nonces(ownerAddress), deadline };
  return ethers.Signature.from(await signer.signTypedData(await domainOf(token), types, message));
}

describe("NoosToken", function () {
  describe("deployment", function () {
    it("has name, symbol, decimals, cap and roles", async function () {
      const { token, admin, minter } = await loadFixture(tokenFixture);
      expect(await token.name()).to.equal("Noosphere");
      expect(await token.symbol()).to.equal("NOOS");
      expect(await token.decimals()).to.equal(18n);
      expect(await token.cap()).to.equal(CAP);
      expect(await token.MAX_SUPPLY()).to.equal(CAP);
      expect(await token.MINTER_ROLE()).to.equal(ethers.id("MINTER_ROLE"));
      expect(await token.hasRole(ethers.ZeroHash, admin.address)).to.equal(true);
      expect(await token.hasRole(await token.MINTER_ROLE(), minter.address)).to.equal(true);
      expect(await token.getRoleAdmin(await token.MINTER_ROLE())).to.equal(ethers.ZeroHash);
    });

    it("gives DEFAULT_ADMIN_ROLE to the admin argument only, and no supply", async function () {
      const [deployer, other] = await ethers.getSigners();
      const token = await deployToken(deployer!, { admin: other!.address });
      expect(await token.hasRole(ethers.ZeroHash, other!.address)).to.equal(true);
      expect(await token.hasRole(ethers.ZeroHash, deployer!.address)).to.equal(false);
      expect(await token.hasRole(await token.MINTER_ROLE(), deployer!.address)).to.equal(false);
      expect(await token.totalSupply()).to.equal(0n);
      await expect(token.deploymentTransaction())
        .to.emit(token, "RoleGranted")
        .withArgs(ethers.ZeroHash, other!.address, deployer!.address);
    });

    it("reverts with NoosTokenZeroAdmin for a zero admin", async function () {
      const [deployer] = await ethers.getSigners();
      await expect(deployToken(deployer!, { admin: ethers.ZeroAddress })).to.be.revertedWithCustomError(
        new NoosToken__factory(deployer!),
        "NoosTokenZeroAdmin",
      );
    });

    it("supports ERC-165 for IAccessControl", async function () {
      const { token } = await loadFixture(tokenFixture);
      expect(await token.supportsInterface("0x01ffc9a7")).to.equal(true); // IERC165
      expect(await token.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      expect(await token.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("mint", function () {
    it("mints for MINTER_ROLE with a Transfer from zero", async function () {
      const { token, minter, bob } = await loadFixture(tokenFixture);
      await expect(token.connect(minter).mint(bob.address, 5n * E18))
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, bob.address, 5n * E18);
      expect(await token.balanceOf(bob.address)).to.equal(5n * E18);
      expect(await token.totalSupply()).to.equal(1005n * E18);
    });

    it("reverts for accounts without MINTER_ROLE, the admin included", async function () {
      const { token, admin, alice } = await loadFixture(tokenFixture);
      const role = await token.MINTER_ROLE();
      for (const who of [admin, alice]) {
        await expect(token.connect(who).mint(who.address, 1n))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, role);
      }
    });

    it("reverts minting to the zero address", async function () {
      const { token, minter } = await loadFixture(tokenFixture);
      await expect(token.connect(minter).mint(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("mints up to the cap exactly and reverts with ERC20ExceededCap past it", async function () {
      const { token, minter, bob } = await loadFixture(tokenFixture);
      const room = CAP - (await token.totalSupply());
      await expect(token.connect(minter).mint(bob.address, room + 1n))
        .to.be.revertedWithCustomError(token, "ERC20ExceededCap")
        .withArgs(CAP + 1n, CAP);
      await token.connect(minter).mint(bob.address, room);
      expect(await token.totalSupply()).to.equal(CAP);
      await expect(token.connect(minter).mint(bob.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC20ExceededCap")
        .withArgs(CAP + 1n, CAP);
      await expect(token.connect(minter).mint(bob.address, ethers.MaxUint256 - CAP)).to.be.revertedWithCustomError(
        token,
        "ERC20ExceededCap",
      );
      // Overflowing the supply counter panics before the cap check.
      await expect(token.connect(minter).mint(bob.address, ethers.MaxUint256)).to.be.revertedWithPanic(0x11);
    });

    it("burning frees room under the cap, and only that much", async function () {
      const { token, minter, bob } = await loadFixture(tokenFixture);
      await token.connect(minter).mint(bob.address, CAP - (await token.totalSupply()));
      await token.connect(bob).burn(7n);
      await expect(token.connect(minter).mint(bob.address, 8n))
        .to.be.revertedWithCustomError(token, "ERC20ExceededCap")
        .withArgs(CAP + 1n, CAP);
      await token.connect(minter).mint(bob.address, 7n);
      expect(await token.totalSupply()).to.equal(CAP);
    });
  });

  describe("roles", function () {
    it("the admin grants and revokes MINTER_ROLE; a revoked minter cannot mint", async function () {
      const { token, admin, minter, bob } = await loadFixture(tokenFixture);
      const role = await token.MINTER_ROLE();
      await expect(token.connect(admin).grantRole(role, bob.address))
        .to.emit(token, "RoleGranted")
        .withArgs(role, bob.address, admin.address);
      await token.connect(bob).mint(bob.address, 1n);
      await expect(token.connect(admin).revokeRole(role, minter.address))
        .to.emit(token, "RoleRevoked")
        .withArgs(role, minter.address, admin.address);
      await expect(token.connect(minter).mint(minter.address, 1n))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(minter.address, role);
    });

    it("non-admins cannot grant or revoke; holders may renounce", async function () {
      const { token, minter, alice } = await loadFixture(tokenFixture);
      const role = await token.MINTER_ROLE();
      await expect(token.connect(alice).grantRole(role, alice.address))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, ethers.ZeroHash);
      await expect(token.connect(minter).revokeRole(role, minter.address))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(minter.address, ethers.ZeroHash);
      await expect(token.connect(alice).renounceRole(role, minter.address)).to.be.revertedWithCustomError(
        token,
        "AccessControlBadConfirmation",
      );
      await token.connect(minter).renounceRole(role, minter.address);
      expect(await token.hasRole(role, minter.address)).to.equal(false);
    });
  });

  describe("transfers and allowances", function () {
    it("transfers, approves and transfersFrom with events and errors", async function () {
      const { token, alice, bob, carol } = await loadFixture(tokenFixture);
      await expect(token.connect(alice).transfer(bob.address, 10n))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, bob.address, 10n);
      await expect(token.connect(bob).transfer(carol.address, 11n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(bob.address, 10n, 11n);
      await expect(token.connect(alice).approve(carol.address, 50n))
        .to.emit(token, "Approval")
        .withArgs(alice.address, carol.address, 50n);
      await expect(token.connect(carol).transferFrom(alice.address, bob.address, 51n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(carol.address, 50n, 51n);
      await expect(token.connect(carol).transferFrom(alice.address, bob.address, 50n)).to.changeTokenBalances(
        token,
        [alice, bob],
        [-50n, 50n],
      );
      expect(await token.allowance(alice.address, carol.address)).to.equal(0n);
    });
  });

  describe("burn and burnFrom", function () {
    it("burn lowers balance and supply", async function () {
      const { token, alice } = await loadFixture(tokenFixture);
      await expect(token.connect(alice).burn(100n * E18))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, ethers.ZeroAddress, 100n * E18);
      expect(await token.balanceOf(alice.address)).to.equal(900n * E18);
      expect(await token.totalSupply()).to.equal(900n * E18);
    });

    it("burn reverts past the balance", async function () {
      const { token, bob } = await loadFixture(tokenFixture);
      await expect(token.connect(bob).burn(1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(bob.address, 0n, 1n);
    });

    it("burnFrom spends the allowance and reverts without enough of it", async function () {
      const { token, alice, bob } = await loadFixture(tokenFixture);
      await expect(token.connect(bob).burnFrom(alice.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(bob.address, 0n, 1n);
      await token.connect(alice).approve(bob.address, 30n * E18);
      await expect(token.connect(bob).burnFrom(alice.address, 20n * E18))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, ethers.ZeroAddress, 20n * E18);
      expect(await token.allowance(alice.address, bob.address)).to.equal(10n * E18);
      expect(await token.totalSupply()).to.equal(980n * E18);
      await expect(token.connect(bob).burnFrom(alice.address, 10n * E18 + 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(bob.address, 10n * E18, 10n * E18 + 1n);
    });
  });

  describe("permit (EIP-2612)", function () {
    it("sets an allowance from a signature sent by anyone and bumps the nonce", async function () {
      const { token, alice, bob, carol } = await loadFixture(tokenFixture);
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signPermit(token, alice, bob.address, 42n, deadline);
      await expect(token.connect(carol).permit(alice.address, bob.address, 42n, deadline, sig.v, sig.r, sig.s))
        .to.emit(token, "Approval")
        .withArgs(alice.address, bob.address, 42n);
      expect(await token.allowance(alice.address, bob.address)).to.equal(42n);
      expect(await token.nonces(alice.address)).to.equal(1n);
      const domain = await token.eip712Domain();
      expect(domain.name).to.equal("Noosphere");
      expect(domain.version).to.equal("1");
      expect(await token.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(await domainOf(token)));
    });

    it("rejects an expired deadline, a wrong signer and a replay", async function () {
      const { token, alice, bob } = await loadFixture(tokenFixture);
      const past = BigInt(await time.latest()) - 1n;
      const expired = await signPermit(token, alice, bob.address, 1n, past);
      await expect(token.permit(alice.address, bob.address, 1n, past, expired.v, expired.r, expired.s))
        .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature")
        .withArgs(past);

      const deadline = BigInt(await time.latest()) + 3600n;
      const byBob = await signPermit(token, bob, bob.address, 1n, deadline, alice.address);
      await expect(token.permit(alice.address, bob.address, 1n, deadline, byBob.v, byBob.r, byBob.s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(bob.address, alice.address);

      const good = await signPermit(token, alice, bob.address, 1n, deadline);
      await token.permit(alice.address, bob.address, 1n, deadline, good.v, good.r, good.s);
      await expect(
        token.permit(alice.address, bob.address, 1n, deadline, good.v, good.r, good.s),
      ).to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
    });
  });

  describe("votes (ERC-5805)", function () {
    it("counts no votes before delegation; delegating to self counts the balance", async function () {
      const { token, alice } = await loadFixture(tokenFixture);
      expect(await token.getVotes(alice.address)).to.equal(0n);
      const tx = token.connect(alice).delegate(alice.address);
      await expect(tx).to.emit(token, "DelegateChanged").withArgs(alice.address, ethers.ZeroAddress, alice.address);
      await expect(tx)
        .to.emit(token, "DelegateVotesChanged")
        .withArgs(alice.address, 0n, 1000n * E18);
      expect(await token.getVotes(alice.address)).to.equal(1000n * E18);
      expect(await token.delegates(alice.address)).to.equal(alice.address);
      expect(await token.numCheckpoints(alice.address)).to.equal(1n);
      const cp = await token.checkpoints(alice.address, 0);
      expect(cp._value).to.equal(1000n * E18);
    });

    it("moves votes with transfers, mints and burns, and keeps history in getPastVotes", async function () {
      const { token, minter, alice, bob, carol } = await loadFixture(tokenFixture);
      await token.connect(alice).delegate(carol.address);
      const b1 = BigInt(await ethers.provider.getBlockNumber());
      await token.connect(bob).delegate(bob.address);
      await token.connect(alice).transfer(bob.address, 400n * E18);
      const b2 = BigInt(await ethers.provider.getBlockNumber());
      await token.connect(minter).mint(alice.address, 50n * E18);
      await token.connect(bob).burn(100n * E18);
      await mine(1);
      expect(await token.getVotes(carol.address)).to.equal(650n * E18);
      expect(await token.getVotes(bob.address)).to.equal(300n * E18);
      expect(await token.getVotes(alice.address)).to.equal(0n);
      expect(await token.getPastVotes(carol.address, b1)).to.equal(1000n * E18);
      expect(await token.getPastVotes(carol.address, b2)).to.equal(600n * E18);
      expect(await token.getPastVotes(bob.address, b2)).to.equal(400n * E18);
      expect(await token.getPastVotes(bob.address, b1)).to.equal(0n);
      expect(await token.getPastTotalSupply(b2)).to.equal(1000n * E18);
      expect(await token.getPastTotalSupply(b2 + 2n)).to.equal(950n * E18);
    });

    it("uses the block number clock and rejects future lookups", async function () {
      const { token, alice } = await loadFixture(tokenFixture);
      const now = BigInt(await ethers.provider.getBlockNumber());
      expect(await token.clock()).to.equal(now);
      expect(await token.CLOCK_MODE()).to.equal("mode=blocknumber&from=default");
      await expect(token.getPastVotes(alice.address, now))
        .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
        .withArgs(now, now);
      await expect(token.getPastTotalSupply(now + 5n))
        .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
        .withArgs(now + 5n, now);
    });

    it("delegates by signature", async function () {
      const { token, alice, bob, carol } = await loadFixture(tokenFixture);
      const expiry = BigInt(await time.latest()) + 3600n;
      const nonce = await token.nonces(alice.address);
      const types = {
        Delegation: [
          { name: "delegatee", type: "address" },
          { name: "nonce", type: "uint256" },
          { name: "expiry", type: "uint256" },
        ],
      };
      const sig = ethers.Signature.from(
        await alice.signTypedData(await domainOf(token), types, { delegatee: bob.address, nonce, expiry }),
      );
      await expect(token.connect(carol).delegateBySig(bob.address, nonce, expiry, sig.v, sig.r, sig.s))
        .to.emit(token, "DelegateChanged")
        .withArgs(alice.address, ethers.ZeroAddress, bob.address);
      expect(await token.getVotes(bob.address)).to.equal(1000n * E18);
      await expect(token.delegateBySig(bob.address, nonce, expiry, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(token, "InvalidAccountNonce")
        .withArgs(alice.address, nonce + 1n);
      await expect(token.delegateBySig(bob.address, nonce + 1n, 1n, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(token, "VotesExpiredSignature")
        .withArgs(1n);
    });
  });
});
