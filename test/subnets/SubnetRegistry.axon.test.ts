import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { E18, smallParams, subnetFixture } from "./fixtures";

const MODEL = ethers.sha256(ethers.toUtf8Bytes("tinyllama.onnx"));

/** Subnet 1 with alice (UID 0) and bob (UID 1) registered; bob's hotkey owned by coldkey. */
async function servingFixture() {
  const base = await subnetFixture();
  const { registry, stk, alice, bob, coldkey, netuid } = base;
  await registry.connect(alice).register(netuid, alice.address, 10n * E18);
  await stk.setOwners([bob.address], coldkey.address);
  await registry.connect(coldkey).register(netuid, bob.address, 10n * E18);
  return base;
}

describe("SubnetRegistry: axons", function () {
  it("a registered hotkey publishes its endpoint and model, with an event", async function () {
    const { registry, alice, netuid } = await loadFixture(servingFixture);
    const tx = registry.connect(alice).serveAxon(netuid, "10.0.0.7", 8091, "http", MODEL);
    await expect(tx)
      .to.emit(registry, "AxonServed")
      .withArgs(netuid, 0, alice.address, "10.0.0.7", 8091, "http", MODEL);
    const block = BigInt((await (await tx).wait())!.blockNumber);
    const axon = await registry.axonOf(netuid, 0);
    expect(axon.host).to.equal("10.0.0.7");
    expect(axon.port).to.equal(8091);
    expect(axon.protocol).to.equal("http");
    expect(axon.modelHash).to.equal(MODEL);
    expect(axon.updatedBlock).to.equal(block);
    // UID 1 has not served
    expect((await registry.axonOf(netuid, 1)).host).to.equal("");
  });

  it("serving again replaces the endpoint", async function () {
    const { registry, alice, netuid } = await loadFixture(servingFixture);
    await registry.connect(alice).serveAxon(netuid, "10.0.0.7", 8091, "http", MODEL);
    const longHost = "a".repeat(255);
    await registry.connect(alice).serveAxon(netuid, longHost, 443, "https", ethers.ZeroHash);
    const axon = await registry.axonOf(netuid, 0);
    expect([axon.host, axon.port, axon.protocol, axon.modelHash]).to.deep.equal([
      longHost,
      443n,
      "https",
      ethers.ZeroHash,
    ]);
  });

  it("only the hotkey itself serves: its owner and strangers are not registered", async function () {
    const { registry, bob, coldkey, outsider, netuid } = await loadFixture(servingFixture);
    await expect(registry.connect(coldkey).serveAxon(netuid, "h", 1, "http", MODEL))
      .to.be.revertedWithCustomError(registry, "SubnetsNotRegistered")
      .withArgs(netuid, coldkey.address);
    await expect(registry.connect(outsider).serveAxon(netuid, "h", 1, "http", MODEL))
      .to.be.revertedWithCustomError(registry, "SubnetsNotRegistered")
      .withArgs(netuid, outsider.address);
    await expect(registry.connect(bob).serveAxon(netuid, "h", 1, "http", MODEL))
      .to.emit(registry, "AxonServed")
      .withArgs(netuid, 1, bob.address, "h", 1, "http", MODEL);
    await expect(registry.connect(bob).serveAxon(9, "h", 1, "http", MODEL))
      .to.be.revertedWithCustomError(registry, "SubnetsNotFound")
      .withArgs(9);
  });

  it("validates host, port and protocol", async function () {
    const { registry, alice, netuid } = await loadFixture(servingFixture);
    const serve = (host: string, port: number, protocol: string) =>
      registry.connect(alice).serveAxon(netuid, host, port, protocol, MODEL);
    await expect(serve("", 80, "http")).to.be.revertedWithCustomError(registry, "SubnetsEmptyHost");
    await expect(serve("a".repeat(256), 80, "http"))
      .to.be.revertedWithCustomError(registry, "SubnetsHostTooLong")
      .withArgs(256, 255);
    await expect(serve("h", 0, "http"))
      .to.be.revertedWithCustomError(registry, "SubnetsInvalidPort")
      .withArgs(0);
    for (const protocol of ["", "ftp", "HTTP", "https ", "grpc"]) {
      await expect(serve("h", 80, protocol))
        .to.be.revertedWithCustomError(registry, "SubnetsInvalidProtocol")
        .withArgs(protocol);
    }
  });

  it("a subnet that restricts models accepts only allow-listed model hashes", async function () {
    const { registry, admin, alice, netuid } = await loadFixture(servingFixture);
    await registry.connect(admin).setParams(netuid, smallParams({ restrictModels: true }));
    await expect(registry.connect(alice).serveAxon(netuid, "h", 80, "http", MODEL))
      .to.be.revertedWithCustomError(registry, "SubnetsModelNotAllowed")
      .withArgs(netuid, MODEL);
    await registry.connect(admin).setModelAllowed(netuid, MODEL, true);
    await expect(registry.connect(alice).serveAxon(netuid, "h", 80, "http", MODEL)).to.emit(registry, "AxonServed");
    const other = ethers.sha256(ethers.toUtf8Bytes("other.onnx"));
    await expect(registry.connect(alice).serveAxon(netuid, "h", 80, "http", other))
      .to.be.revertedWithCustomError(registry, "SubnetsModelNotAllowed")
      .withArgs(netuid, other);
  });
});
