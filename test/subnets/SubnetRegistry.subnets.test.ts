import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SubnetRegistry__factory } from "@noosphere/contracts";
import { createSubnet, deploySubnetRegistry } from "@noosphere/deploy";
import { E18, LOCK_COST, registryFixture, smallParams, subnetFixture } from "./fixtures";

const MODEL = ethers.sha256(ethers.toUtf8Bytes("model.onnx"));

describe("SubnetRegistry: subnets and parameters", function () {
  describe("deployment", function () {
    it("grants DEFAULT_ADMIN_ROLE and PARAMS_ROLE to admin only, and stores token and staking", async function () {
      const { registry, admin, tok, stk, outsider } = await loadFixture(registryFixture);
      const PARAMS_ROLE = await registry.PARAMS_ROLE();
      expect(PARAMS_ROLE).to.equal(ethers.id("PARAMS_ROLE"));
      expect(await registry.EPOCH_ROLE()).to.equal(ethers.id("EPOCH_ROLE"));
      expect(await registry.hasRole(await registry.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await registry.hasRole(PARAMS_ROLE, admin.address)).to.equal(true);
      expect(await registry.hasRole(PARAMS_ROLE, outsider.address)).to.equal(false);
      expect(await registry.token()).to.equal(await tok.token.getAddress());
      expect(await registry.staking()).to.equal(await stk.staking.getAddress());
      expect(await registry.lockCost()).to.equal(LOCK_COST);
      expect(await registry.subnetCount()).to.equal(0);
    });

    it("rejects zero addresses", async function () {
      const { admin, registry } = await loadFixture(registryFixture);
      const token = await registry.token();
      const staking = await registry.staking();
      const factory = new SubnetRegistry__factory(admin);
      const zero = ethers.ZeroAddress;
      for (const args of [
        [zero, staking, admin.address],
        [token, zero, admin.address],
        [token, staking, zero],
      ] as const) {
        await expect(factory.deploy(...args)).to.be.revertedWithCustomError(registry, "SubnetsZeroAddress");
      }
    });

    it("deploys without a lock cost when none is given", async function () {
      const { admin, registry } = await loadFixture(registryFixture);
      const other = await deploySubnetRegistry(admin, {
        token: await registry.token(),
        staking: await registry.staking(),
        admin: admin.address,
      });
      expect(await other.lockCost()).to.equal(0n);
    });
  });

  describe("createSubnet", function () {
    it("locks the lock cost, makes the caller owner, numbers netuids from 1 and emits", async function () {
      const { registry, registryAddress, tok, creator, alice } = await loadFixture(registryFixture);
      const params = smallParams();
      const before = await tok.token.balanceOf(creator.address);
      await expect(registry.connect(creator).createSubnet(params))
        .to.emit(registry, "SubnetCreated")
        .withArgs(1, creator.address, LOCK_COST)
        .and.to.emit(registry, "SubnetParamsSet");
      expect(await tok.token.balanceOf(creator.address)).to.equal(before - LOCK_COST);
      expect(await tok.token.balanceOf(registryAddress)).to.equal(LOCK_COST);
      expect(await registry.subnetCount()).to.equal(1);
      expect(await registry.subnetExists(1)).to.equal(true);
      expect(await registry.subnetOwner(1)).to.equal(creator.address);
      expect(await registry.subnetLock(1)).to.deep.equal([creator.address, LOCK_COST]);
      expect(await registry.neuronCount(1)).to.equal(0);

      const stored = await registry.params(1);
      expect(stored.taskId).to.equal(params.taskId);
      expect(stored.tempo).to.equal(params.tempo);
      expect(stored.maxUids).to.equal(params.maxUids);
      expect(stored.maxValidators).to.equal(params.maxValidators);
      expect(stored.immunityPeriod).to.equal(params.immunityPeriod);
      expect(stored.minValidatorStake).to.equal(params.minValidatorStake);
      expect(stored.minBurn).to.equal(params.minBurn);
      expect(stored.burnHalfLife).to.equal(params.burnHalfLife);
      expect(stored.restrictModels).to.equal(params.restrictModels);

      const second = await createSubnet(registry, alice, smallParams({ taskId: "ocr" }));
      expect(second).to.equal(2);
      expect(await registry.subnetOwner(2)).to.equal(alice.address);
      expect((await registry.params(2)).taskId).to.equal("ocr");
      expect(await registry.subnetExists(0)).to.equal(false);
      expect(await registry.subnetExists(3)).to.equal(false);
    });

    it("records the lock cost in force at creation", async function () {
      const { registry, admin, creator, alice } = await loadFixture(registryFixture);
      await createSubnet(registry, creator, smallParams());
      await registry.connect(admin).setLockCost(7n * E18);
      await createSubnet(registry, alice, smallParams());
      expect((await registry.subnetLock(1))[1]).to.equal(LOCK_COST);
      expect((await registry.subnetLock(2))[1]).to.equal(7n * E18);
    });

    it("transfers nothing when the lock cost is zero", async function () {
      const { registry, registryAddress, tok, admin, outsider } = await loadFixture(registryFixture);
      await registry.connect(admin).setLockCost(0n);
      // outsider holds no tokens and approved nothing
      await expect(registry.connect(outsider).createSubnet(smallParams()))
        .to.emit(registry, "SubnetCreated")
        .withArgs(1, outsider.address, 0n);
      expect(await tok.token.balanceOf(registryAddress)).to.equal(0n);
    });

    it("reverts without allowance or balance for the lock", async function () {
      const { registry, tok, outsider } = await loadFixture(registryFixture);
      await expect(registry.connect(outsider).createSubnet(smallParams())).to.be.revertedWithCustomError(
        tok.token,
        "ERC20InsufficientAllowance",
      );
      expect(await registry.subnetCount()).to.equal(0);
    });

    it("createSubnet helper approves exactly the lock cost", async function () {
      const { registry, registryAddress, tok, outsider } = await loadFixture(registryFixture);
      await tok.mint(outsider.address, LOCK_COST);
      expect(await createSubnet(registry, outsider, smallParams())).to.equal(1);
      expect(await tok.token.balanceOf(outsider.address)).to.equal(0n);
      expect(await tok.token.balanceOf(registryAddress)).to.equal(LOCK_COST);
    });
  });

  describe("parameter validation (createSubnet and setParams)", function () {
    const cases = [
      {
        name: "empty task id",
        p: { taskId: "" },
        error: "SubnetsEmptyTaskId",
        args: [],
      },
      {
        name: "task id over 64 bytes",
        p: { taskId: "x".repeat(65) },
        error: "SubnetsTaskIdTooLong",
        args: [65, 64],
      },
      {
        name: "zero tempo",
        p: { tempo: 0 },
        error: "SubnetsInvalidTempo",
        args: [0],
      },
      {
        name: "zero maxUids",
        p: { maxUids: 0, maxValidators: 1 },
        error: "SubnetsInvalidMaxUids",
        args: [0],
      },
      {
        name: "maxUids over 256",
        p: { maxUids: 257 },
        error: "SubnetsInvalidMaxUids",
        args: [257],
      },
      {
        name: "zero maxValidators",
        p: { maxValidators: 0 },
        error: "SubnetsInvalidMaxValidators",
        args: [0, 4],
      },
      {
        name: "maxValidators over 64",
        p: { maxUids: 256, maxValidators: 65 },
        error: "SubnetsInvalidMaxValidators",
        args: [65, 256],
      },
      {
        name: "maxValidators over maxUids",
        p: { maxUids: 4, maxValidators: 5 },
        error: "SubnetsInvalidMaxValidators",
        args: [5, 4],
      },
      {
        name: "zero burn half-life",
        p: { burnHalfLife: 0 },
        error: "SubnetsInvalidBurnHalfLife",
        args: [0],
      },
    ] as const;

    for (const c of cases) {
      it(`rejects ${c.name}`, async function () {
        const { registry, admin, creator, netuid } = await loadFixture(subnetFixture);
        const p = smallParams(c.p);
        await expect(registry.connect(creator).createSubnet(p))
          .to.be.revertedWithCustomError(registry, c.error)
          .withArgs(...c.args);
        await expect(registry.connect(admin).setParams(netuid, p))
          .to.be.revertedWithCustomError(registry, c.error)
          .withArgs(...c.args);
      });
    }

    it("accepts the bounds: 64-byte task id, 256 UIDs, 64 validators, maxValidators == maxUids", async function () {
      const { registry, creator } = await loadFixture(registryFixture);
      await createSubnet(
        registry,
        creator,
        smallParams({
          taskId: "t".repeat(64),
          maxUids: 256,
          maxValidators: 64,
        }),
      );
      await createSubnet(registry, creator, smallParams({ maxUids: 1, maxValidators: 1 }));
      expect(await registry.subnetCount()).to.equal(2);
    });
  });

  describe("setParams", function () {
    it("PARAMS_ROLE replaces the parameters and emits", async function () {
      const { registry, admin, netuid } = await loadFixture(subnetFixture);
      const p = smallParams({
        taskId: "ocr",
        tempo: 99,
        maxUids: 8,
        maxValidators: 3,
        restrictModels: true,
      });
      await expect(registry.connect(admin).setParams(netuid, p)).to.emit(registry, "SubnetParamsSet");
      const stored = await registry.params(netuid);
      expect(stored.taskId).to.equal("ocr");
      expect(stored.tempo).to.equal(99);
      expect(stored.maxUids).to.equal(8);
      expect(stored.maxValidators).to.equal(3);
      expect(stored.restrictModels).to.equal(true);
    });

    it("emits SubnetParamsSet with the full parameters", async function () {
      const { registry, admin, netuid } = await loadFixture(subnetFixture);
      const p = smallParams({ taskId: "ocr", tempo: 7 });
      const receipt = await (await registry.connect(admin).setParams(netuid, p)).wait();
      const log = receipt!.logs.map((l) => registry.interface.parseLog(l)).find((d) => d?.name === "SubnetParamsSet");
      expect(log?.args.netuid).to.equal(netuid);
      expect(log?.args.params.taskId).to.equal("ocr");
      expect(log?.args.params.tempo).to.equal(7n);
    });

    it("rejects callers without PARAMS_ROLE, including the subnet owner", async function () {
      const { registry, creator, netuid } = await loadFixture(subnetFixture);
      await expect(registry.connect(creator).setParams(netuid, smallParams()))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(creator.address, await registry.PARAMS_ROLE());
    });

    it("rejects unknown subnets", async function () {
      const { registry, admin } = await loadFixture(subnetFixture);
      await expect(registry.connect(admin).setParams(2, smallParams()))
        .to.be.revertedWithCustomError(registry, "SubnetsNotFound")
        .withArgs(2);
      await expect(registry.connect(admin).setParams(0, smallParams()))
        .to.be.revertedWithCustomError(registry, "SubnetsNotFound")
        .withArgs(0);
    });

    it("rejects maxUids below the UIDs in use", async function () {
      const { registry, admin, alice, bob, carol, netuid } = await loadFixture(subnetFixture);
      for (const s of [alice, bob, carol]) await registry.connect(s).register(netuid, s.address, 10n * E18);
      await expect(registry.connect(admin).setParams(netuid, smallParams({ maxUids: 2, maxValidators: 1 })))
        .to.be.revertedWithCustomError(registry, "SubnetsMaxUidsBelowNeuronCount")
        .withArgs(netuid, 2, 3);
      await registry.connect(admin).setParams(netuid, smallParams({ maxUids: 3, maxValidators: 1 }));
      expect((await registry.params(netuid)).maxUids).to.equal(3);
    });
  });

  describe("setLockCost", function () {
    it("PARAMS_ROLE sets it and emits", async function () {
      const { registry, admin } = await loadFixture(registryFixture);
      await expect(registry.connect(admin).setLockCost(5n)).to.emit(registry, "LockCostSet").withArgs(5n);
      expect(await registry.lockCost()).to.equal(5n);
    });

    it("rejects callers without PARAMS_ROLE", async function () {
      const { registry, outsider } = await loadFixture(registryFixture);
      await expect(registry.connect(outsider).setLockCost(5n))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await registry.PARAMS_ROLE());
    });

    it("follows PARAMS_ROLE when the admin hands it to a timelock", async function () {
      const { registry, admin, outsider } = await loadFixture(registryFixture);
      const PARAMS_ROLE = await registry.PARAMS_ROLE();
      await registry.connect(admin).grantRole(PARAMS_ROLE, outsider.address);
      await registry.connect(admin).renounceRole(PARAMS_ROLE, admin.address);
      await registry.connect(outsider).setLockCost(1n);
      await expect(registry.connect(admin).setLockCost(2n)).to.be.revertedWithCustomError(
        registry,
        "AccessControlUnauthorizedAccount",
      );
    });
  });

  describe("model allow-list", function () {
    it("every model is allowed while the subnet does not restrict models", async function () {
      const { registry, netuid } = await loadFixture(subnetFixture);
      expect(await registry.isModelAllowed(netuid, MODEL)).to.equal(true);
      expect(await registry.isModelAllowed(netuid, ethers.ZeroHash)).to.equal(true);
    });

    it("a restricted subnet allows only listed models; PARAMS_ROLE lists and unlists with events", async function () {
      const { registry, admin, netuid } = await loadFixture(subnetFixture);
      await registry.connect(admin).setParams(netuid, smallParams({ restrictModels: true }));
      expect(await registry.isModelAllowed(netuid, MODEL)).to.equal(false);
      await expect(registry.connect(admin).setModelAllowed(netuid, MODEL, true))
        .to.emit(registry, "ModelAllowedSet")
        .withArgs(netuid, MODEL, true);
      expect(await registry.isModelAllowed(netuid, MODEL)).to.equal(true);
      expect(await registry.isModelAllowed(netuid, ethers.ZeroHash)).to.equal(false);
      await expect(registry.connect(admin).setModelAllowed(netuid, MODEL, false))
        .to.emit(registry, "ModelAllowedSet")
        .withArgs(netuid, MODEL, false);
      expect(await registry.isModelAllowed(netuid, MODEL)).to.equal(false);
    });

    it("the allow-list is per subnet", async function () {
      const { registry, admin, creator, netuid } = await loadFixture(subnetFixture);
      const other = await createSubnet(registry, creator, smallParams({ restrictModels: true }));
      await registry.connect(admin).setParams(netuid, smallParams({ restrictModels: true }));
      await registry.connect(admin).setModelAllowed(netuid, MODEL, true);
      expect(await registry.isModelAllowed(other, MODEL)).to.equal(false);
    });

    it("rejects callers without PARAMS_ROLE and unknown subnets", async function () {
      const { registry, admin, creator, netuid } = await loadFixture(subnetFixture);
      await expect(registry.connect(creator).setModelAllowed(netuid, MODEL, true))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(creator.address, await registry.PARAMS_ROLE());
      await expect(registry.connect(admin).setModelAllowed(9, MODEL, true))
        .to.be.revertedWithCustomError(registry, "SubnetsNotFound")
        .withArgs(9);
    });
  });

  describe("views of unknown subnets", function () {
    it("revert with SubnetsNotFound (isRegistered answers false)", async function () {
      const { registry, alice } = await loadFixture(subnetFixture);
      const views = [
        () => registry.subnetOwner(2),
        () => registry.subnetLock(2),
        () => registry.params(2),
        () => registry.isModelAllowed(2, MODEL),
        () => registry.neuronCount(2),
        () => registry.hotkeyOf(2, 0),
        () => registry.uidOf(2, alice.address),
        () => registry.registeredAt(2, 0),
        () => registry.lastEmission(2, 0),
        () => registry.axonOf(2, 0),
        () => registry.neurons(2),
        () => registry.burnPrice(2),
        () => registry.burnState(2),
        () => registry.validatorPermits(2),
      ];
      for (const view of views) {
        await expect(view()).to.be.revertedWithCustomError(registry, "SubnetsNotFound").withArgs(2);
      }
      expect(await registry.isRegistered(2, alice.address)).to.equal(false);
    });
  });
});
