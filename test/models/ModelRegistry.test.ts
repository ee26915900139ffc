import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";
import { BillingTestRoyaltyCache__factory, ModelRegistry__factory } from "@noosphere/contracts";
import { deployModelRegistry, PARAMS_ROLE, DEFAULT_ADMIN_ROLE } from "@noosphere/deploy";
import { deployNoos } from "../shared/noos";

const HASH = ethers.sha256(ethers.toUtf8Bytes("tiny-llm.onnx"));
const OTHER = ethers.sha256(ethers.toUtf8Bytes("pp-ocr.onnx"));

const BOND = 100n * 10n ** 18n;
const CHALLENGE = 7n * 86_400n;

async function registryFixture() {
  const [admin, owner, buyer, stranger] = await ethers.getSigners();
  const token = await deployNoos(admin!);
  const registry = await deployModelRegistry(admin!, {
    maxRoyaltyBps: 1_500,
    bondToken: await token.getAddress(),
    contestBond: BOND,
    challengePeriod: CHALLENGE,
  });
  for (const who of [owner!, buyer!, stranger!]) {
    await token.mint(who.address, 1_000n * 10n ** 18n);
    await token.connect(who).approve(await registry.getAddress(), ethers.MaxUint256);
  }
  return { registry, token, admin: admin!, owner: owner!, buyer: buyer!, stranger: stranger! };
}

async function registeredFixture() {
  const f = await registryFixture();
  await f.registry.connect(f.owner).register(HASH, "ipfs://tiny", "Apache-2.0", 1_000);
  return f;
}

/** The registered model past its challenge period. */
async function settledFixture() {
  const f = await registeredFixture();
  await time.increase(CHALLENGE);
  return f;
}

describe("ModelRegistry", function () {
  describe("deployment", function () {
    it("grants the admin both roles and sets the cap", async function () {
      const { registry, admin } = await loadFixture(registryFixture);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await registry.hasRole(PARAMS_ROLE, admin.address)).to.equal(true);
      expect(await registry.maxRoyaltyBps()).to.equal(1_500n);
      expect(await registry.ROYALTY_BPS_LIMIT()).to.equal(5_000n);
      expect(await registry.modelCount()).to.equal(0n);
      expect(await registry.royaltyCache()).to.equal(ZeroAddress);
    });

    it("refuses a cap above the hard limit", async function () {
      const { admin } = await loadFixture(registryFixture);
      const factory = new ModelRegistry__factory(admin);
      await expect(factory.deploy(admin.address, 5_001, ZeroAddress, 0, 0))
        .to.be.revertedWithCustomError(factory, "ModelsMaxRoyaltyTooHigh")
        .withArgs(5_001, 5_000);
    });
  });

  describe("register", function () {
    it("records the model for its caller and emits ModelRegistered", async function () {
      const { registry, owner } = await loadFixture(registryFixture);
      const tx = await registry.connect(owner).register(HASH, "ipfs://tiny", "Apache-2.0", 1_000);
      await expect(tx)
        .to.emit(registry, "ModelRegistered")
        .withArgs(HASH, owner.address, "ipfs://tiny", "Apache-2.0", 1_000);
      const model = await registry.modelOf(HASH);
      expect(model.owner).to.equal(owner.address);
      expect(model.royaltyBps).to.equal(1_000n);
      expect(model.registeredAt).to.equal(BigInt(await time.latest()));
      expect(model.uri).to.equal("ipfs://tiny");
      expect(model.license).to.equal("Apache-2.0");
      expect(await registry.isRegistered(HASH)).to.equal(true);
      expect(await registry.modelCount()).to.equal(1n);
      expect(await registry.royaltyOf(HASH)).to.deep.equal([owner.address, 1_000n]);
    });

    it("refuses a zero hash, empty URI or license, a taken hash and a royalty above the cap", async function () {
      const { registry, owner, stranger } = await loadFixture(registeredFixture);
      const r = registry.connect(stranger);
      await expect(r.register(ZeroHash, "u", "l", 0)).to.be.revertedWithCustomError(registry, "ModelsZeroHash");
      await expect(r.register(OTHER, "", "l", 0)).to.be.revertedWithCustomError(registry, "ModelsEmptyUri");
      await expect(r.register(OTHER, "u", "", 0)).to.be.revertedWithCustomError(registry, "ModelsEmptyLicense");
      await expect(r.register(HASH, "u", "l", 0))
        .to.be.revertedWithCustomError(registry, "ModelsAlreadyRegistered")
        .withArgs(HASH);
      await expect(r.register(OTHER, "u", "l", 1_501))
        .to.be.revertedWithCustomError(registry, "ModelsRoyaltyTooHigh")
        .withArgs(1_501, 1_500);
      expect((await registry.modelOf(HASH)).owner).to.equal(owner.address);
    });

    it("unknown models: modelOf reverts, royaltyOf answers nobody", async function () {
      const { registry } = await loadFixture(registryFixture);
      await expect(registry.modelOf(OTHER)).to.be.revertedWithCustomError(registry, "ModelsUnknown").withArgs(OTHER);
      expect(await registry.royaltyOf(OTHER)).to.deep.equal([ZeroAddress, 0n]);
      expect(await registry.isRegistered(OTHER)).to.equal(false);
    });
  });

  describe("owner actions", function () {
    it("setUri moves the model and emits ModelUriSet", async function () {
      const { registry, owner } = await loadFixture(registeredFixture);
      await expect(registry.connect(owner).setUri(HASH, "https://cdn/tiny.onnx"))
        .to.emit(registry, "ModelUriSet")
        .withArgs(HASH, "https://cdn/tiny.onnx");
      expect((await registry.modelOf(HASH)).uri).to.equal("https://cdn/tiny.onnx");
      await expect(registry.connect(owner).setUri(HASH, "")).to.be.revertedWithCustomError(registry, "ModelsEmptyUri");
    });

    it("setRoyalty is bounded by the cap and emits ModelRoyaltySet", async function () {
      const { registry, owner } = await loadFixture(registeredFixture);
      await expect(registry.connect(owner).setRoyalty(HASH, 1_500))
        .to.emit(registry, "ModelRoyaltySet")
        .withArgs(HASH, 1_500);
      expect(await registry.royaltyOf(HASH)).to.deep.equal([owner.address, 1_500n]);
      await expect(registry.connect(owner).setRoyalty(HASH, 1_501))
        .to.be.revertedWithCustomError(registry, "ModelsRoyaltyTooHigh")
        .withArgs(1_501, 1_500);
    });

    it("transferModelOwnership hands the model on and emits ModelOwnershipTransferred", async function () {
      const { registry, owner, buyer } = await loadFixture(settledFixture);
      await expect(registry.connect(owner).transferModelOwnership(HASH, buyer.address))
        .to.emit(registry, "ModelOwnershipTransferred")
        .withArgs(HASH, owner.address, buyer.address);
      expect((await registry.modelOf(HASH)).owner).to.equal(buyer.address);
      await expect(registry.connect(owner).setUri(HASH, "x"))
        .to.be.revertedWithCustomError(registry, "ModelsNotOwner")
        .withArgs(HASH, owner.address, buyer.address);
      await expect(registry.connect(buyer).transferModelOwnership(HASH, ZeroAddress)).to.be.revertedWithCustomError(
        registry,
        "ModelsZeroOwner",
      );
    });

    it("only the owner may act, and only on a registered model", async function () {
      const { registry, owner, stranger } = await loadFixture(registeredFixture);
      const r = registry.connect(stranger);
      for (const call of [
        () => r.setUri(HASH, "x"),
        () => r.setRoyalty(HASH, 1),
        () => r.transferModelOwnership(HASH, stranger.address),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(registry, "ModelsNotOwner")
          .withArgs(HASH, stranger.address, owner.address);
      }
      for (const call of [
        () => r.setUri(OTHER, "x"),
        () => r.setRoyalty(OTHER, 1),
        () => r.transferModelOwnership(OTHER, stranger.address),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(registry, "ModelsUnknown").withArgs(OTHER);
      }
    });
  });

  describe("governance", function () {
    it("setMaxRoyaltyBps caps existing royalties at once and bounds new ones", async function () {
      const { registry, owner } = await loadFixture(registeredFixture);
      await expect(registry.setMaxRoyaltyBps(400)).to.emit(registry, "MaxRoyaltySet").withArgs(400);
      expect(await registry.royaltyOf(HASH)).to.deep.equal([owner.address, 400n]);
      expect((await registry.modelOf(HASH)).royaltyBps).to.equal(1_000n); // the owner's ask is kept
      await expect(registry.connect(owner).setRoyalty(HASH, 401)).to.be.revertedWithCustomError(
        registry,
        "ModelsRoyaltyTooHigh",
      );
      await expect(registry.setMaxRoyaltyBps(5_001))
        .to.be.revertedWithCustomError(registry, "ModelsMaxRoyaltyTooHigh")
        .withArgs(5_001, 5_000);
    });

    it("setRoyaltyCache wires the hook, emits RoyaltyCacheSet, and the hook is told of changes", async function () {
      const { registry, owner } = await loadFixture(settledFixture);
      const cache = await new BillingTestRoyaltyCache__factory(owner).deploy();
      await expect(registry.setRoyaltyCache(await cache.getAddress()))
        .to.emit(registry, "RoyaltyCacheSet")
        .withArgs(await cache.getAddress());
      await expect(registry.connect(owner).setRoyalty(HASH, 1_200)).to.emit(cache, "Synced").withArgs(HASH);
      await expect(registry.connect(owner).transferModelOwnership(HASH, owner.address))
        .to.emit(cache, "Synced")
        .withArgs(HASH);
      await expect(registry.connect(owner).setUri(HASH, "x")).not.to.emit(cache, "Synced");
      await registry.setRoyaltyCache(ZeroAddress);
      await expect(registry.connect(owner).setRoyalty(HASH, 1_100)).not.to.emit(cache, "Synced");
    });

    it("parameter setters need PARAMS_ROLE", async function () {
      const { registry, stranger } = await loadFixture(registryFixture);
      for (const call of [
        () => registry.connect(stranger).setMaxRoyaltyBps(1),
        () => registry.connect(stranger).setRoyaltyCache(stranger.address),
        () => registry.connect(stranger).setContestTerms(0, 0),
        () => registry.connect(stranger).reassign(HASH, stranger.address, 0),
        () => registry.connect(stranger).resolveContest(HASH, true, stranger.address, 0),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, PARAMS_ROLE);
      }
    });
  });

  // The audit's model-hash squatting: anyone can hash a published model and register it first, at the
  // highest royalty. Royalties stay frozen while the registration is young or contested, and governance
  // reassigns a squatted model with what it accrued.
  describe("contests", function () {
    it("a new registration's royalties are frozen for the challenge period, and it cannot change hands", async function () {
      const { registry, owner, buyer } = await loadFixture(registeredFixture);
      expect(await registry.royaltyClaimable(HASH)).to.equal(false);
      const until = (await registry.modelOf(HASH)).registeredAt + CHALLENGE;
      await expect(registry.connect(owner).transferModelOwnership(HASH, buyer.address))
        .to.be.revertedWithCustomError(registry, "ModelsFrozen")
        .withArgs(HASH, until);
      await time.increaseTo(until);
      expect(await registry.royaltyClaimable(HASH)).to.equal(true);
      expect(await registry.royaltyClaimable(OTHER)).to.equal(false); // unknown
    });

    it("contest locks the bond and freezes the model until governance resolves it", async function () {
      const { registry, token, owner, stranger } = await loadFixture(settledFixture);
      await expect(registry.connect(stranger).contest(HASH, "ipfs://my-training-logs"))
        .to.emit(registry, "ModelContested")
        .withArgs(HASH, stranger.address, BOND, "ipfs://my-training-logs");
      expect(await token.balanceOf(await registry.getAddress())).to.equal(BOND);
      expect(await registry.contestOf(HASH)).to.deep.equal([stranger.address, BOND]);
      expect(await registry.royaltyClaimable(HASH)).to.equal(false);
      await expect(registry.connect(owner).transferModelOwnership(HASH, owner.address))
        .to.be.revertedWithCustomError(registry, "ModelsFrozen")
        .withArgs(HASH, 2n ** 64n - 1n);
      await expect(registry.connect(owner).contest(HASH, "x"))
        .to.be.revertedWithCustomError(registry, "ModelsAlreadyContested")
        .withArgs(HASH, stranger.address);
      await expect(registry.reassign(HASH, owner.address, 0))
        .to.be.revertedWithCustomError(registry, "ModelsContestPending")
        .withArgs(HASH);
      await expect(registry.connect(stranger).contest(OTHER, "x"))
        .to.be.revertedWithCustomError(registry, "ModelsUnknown")
        .withArgs(OTHER);
    });

    it("upheld: the claimant gets the model and its bond back", async function () {
      const { registry, token, owner, stranger } = await loadFixture(settledFixture);
      await registry.connect(stranger).contest(HASH, "ipfs://proof");
      const before = await token.balanceOf(stranger.address);
      const tx = registry.resolveContest(HASH, true, stranger.address, 200);
      await expect(tx).to.emit(registry, "ModelReassigned").withArgs(HASH, owner.address, stranger.address, 200);
      await expect(tx).to.emit(registry, "ContestResolved").withArgs(HASH, stranger.address, true, stranger.address);
      expect(await token.balanceOf(stranger.address)).to.equal(before + BOND);
      expect(await registry.royaltyOf(HASH)).to.deep.equal([stranger.address, 200n]);
      expect(await registry.royaltyClaimable(HASH)).to.equal(true);
      await expect(registry.resolveContest(HASH, true, stranger.address, 200))
        .to.be.revertedWithCustomError(registry, "ModelsNotContested")
        .withArgs(HASH);
    });

    it("dismissed: the owner keeps the model and receives the bond", async function () {
      const { registry, token, owner, stranger } = await loadFixture(settledFixture);
      await registry.connect(stranger).contest(HASH, "ipfs://nothing");
      const before = await token.balanceOf(owner.address);
      await expect(registry.resolveContest(HASH, false, stranger.address, 0))
        .to.emit(registry, "ContestResolved")
        .withArgs(HASH, stranger.address, false, owner.address);
      expect(await token.balanceOf(owner.address)).to.equal(before + BOND);
      expect(await registry.royaltyOf(HASH)).to.deep.equal([owner.address, 1_000n]);
      expect(await registry.royaltyClaimable(HASH)).to.equal(true);
    });

    it("governance reassigns an uncontested model, within the royalty cap, and tells billing", async function () {
      const { registry, owner, buyer } = await loadFixture(registeredFixture);
      const cache = await new BillingTestRoyaltyCache__factory(owner).deploy();
      await registry.setRoyaltyCache(await cache.getAddress());
      await expect(registry.reassign(HASH, buyer.address, 1_501)).to.be.revertedWithCustomError(
        registry,
        "ModelsRoyaltyTooHigh",
      );
      await expect(registry.reassign(HASH, ZeroAddress, 0)).to.be.revertedWithCustomError(registry, "ModelsZeroOwner");
      await expect(registry.reassign(OTHER, buyer.address, 0)).to.be.revertedWithCustomError(registry, "ModelsUnknown");
      await expect(registry.reassign(HASH, buyer.address, 900))
        .to.emit(cache, "Reassigned")
        .withArgs(HASH);
      expect(await registry.royaltyOf(HASH)).to.deep.equal([buyer.address, 900n]);
    });

    it("contests are off without a bond token; terms are bounded", async function () {
      const [admin, owner] = await ethers.getSigners();
      const bare = await deployModelRegistry(admin!);
      await bare.connect(owner!).register(HASH, "u", "l", 0);
      await expect(bare.contest(HASH, "x")).to.be.revertedWithCustomError(bare, "ModelsContestsDisabled");
      expect(await bare.royaltyClaimable(HASH)).to.equal(true); // no challenge period
      await expect(bare.setContestTerms(5n, 91n * 86_400n))
        .to.be.revertedWithCustomError(bare, "ModelsChallengePeriodTooLong")
        .withArgs(91n * 86_400n, 90n * 86_400n);
      await expect(bare.setContestTerms(5n, 60n)).to.emit(bare, "ContestTermsSet").withArgs(5n, 60n);
    });
  });
});
