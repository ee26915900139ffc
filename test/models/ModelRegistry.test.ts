import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";
import { BillingTestRoyaltyCache__factory, ModelRegistry__factory } from "@noosphere/contracts";
import { deployModelRegistry, PARAMS_ROLE, DEFAULT_ADMIN_ROLE } from "@noosphere/deploy";

const HASH = ethers.sha256(ethers.toUtf8Bytes("tiny-llm.onnx"));
const OTHER = ethers.sha256(ethers.toUtf8Bytes("pp-ocr.onnx"));

async function registryFixture() {
  const [admin, owner, buyer, stranger] = await ethers.getSigners();
  const registry = await deployModelRegistry(admin!, { maxRoyaltyBps: 1_500 });
  return { registry, admin: admin!, owner: owner!, buyer: buyer!, stranger: stranger! };
}

async function registeredFixture() {
  const f = await registryFixture();
  await f.registry.connect(f.owner).register(HASH, "ipfs://tiny", "Apache-2.0", 1_000);
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
      await expect(factory.deploy(admin.address, 5_001))
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
      const { registry, owner, buyer } = await loadFixture(registeredFixture);
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
      const { registry, owner } = await loadFixture(registeredFixture);
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
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, PARAMS_ROLE);
      }
    });
  });
});
