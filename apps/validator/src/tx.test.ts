import type { Redis } from "ioredis";
import type { Wallet } from "ethers";
import { devAccount, startHardhatNode } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";
import { deleteByPrefix, testPrefix, testRedis } from "./testing/redis";
import { OnceSender, TransactionPendingError } from "./tx";

describe("OnceSender", () => {
  let chain: HardhatNode;
  let redis: Redis;
  let wallet: Wallet;
  const prefix = testPrefix("tx");
  const key = `${prefix}:weights:1`;
  const to = "0x000000000000000000000000000000000000bEEF";

  beforeAll(async () => {
    chain = await startHardhatNode();
    redis = testRedis();
    wallet = devAccount(7, chain.provider);
  });
  afterAll(async () => {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    await chain.stop();
  });

  const sender = (r: Redis = redis) =>
    new OnceSender({ redis: r, wallet, provider: chain.provider, confirmTimeoutMs: 5_000 });
  const nonce = () => chain.provider.getTransactionCount(wallet.address, "latest");

  it("sends once per (key, field): a second send returns the first receipt and sends nothing", async () => {
    const n0 = await nonce();
    let builds = 0;
    const build = async () => (builds++, { to, value: 1n });
    const a = await sender().send(key, "a", build);
    const b = await sender().send(key, "a", build);
    expect(b.hash).toBe(a.hash);
    expect(builds).toBe(1);
    expect(await nonce()).toBe(n0 + 1);
  });

  it("broadcasts the stored bytes after a crash between storing and sending (same hash)", async () => {
    const n0 = await nonce();
    const signed = await wallet.signTransaction(await wallet.populateTransaction({ to, value: 2n, nonce: n0 }));
    await redis.hset(key, "b", signed);
    const receipt = await sender().send(key, "b", async () => {
      throw new Error("must not build: a transaction is stored");
    });
    const { Transaction } = await import("ethers");
    expect(receipt.hash).toBe(Transaction.from(signed).hash);
    expect(await nonce()).toBe(n0 + 1);
  });

  it("drops a stored transaction whose nonce another transaction took, then builds a new one", async () => {
    const n0 = await nonce();
    const stale = await wallet.signTransaction(await wallet.populateTransaction({ to, value: 3n, nonce: n0 }));
    await redis.hset(key, "c", stale);
    await (await wallet.sendTransaction({ to, value: 4n, nonce: n0 })).wait(); // takes the nonce
    await expect(sender().send(key, "c", async () => ({ to, value: 3n }))).rejects.toBeInstanceOf(
      TransactionPendingError,
    );
    expect(await redis.hget(key, "c")).toBeNull();
    const receipt = await sender().send(key, "c", async () => ({ to, value: 3n }));
    expect(receipt.status).toBe(1);
    expect(await nonce()).toBe(n0 + 2);
  });

  it("sends one transaction when several processes send the same (key, field) at once", async () => {
    const n0 = await nonce();
    const others = Array.from({ length: 4 }, () => testRedis());
    try {
      const receipts = await Promise.all(others.map((r) => sender(r).send(key, "d", async () => ({ to, value: 5n }))));
      expect(new Set(receipts.map((r) => r.hash)).size).toBe(1);
      expect(await nonce()).toBe(n0 + 1);
    } finally {
      others.forEach((r) => r.disconnect());
    }
  });
});
