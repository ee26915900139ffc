import type { Redis } from "ioredis";
import { ApiKeyStore, apiKeyId, hashApiKey } from "./api-keys";
import type { Keyspace } from "./keyspace";
import { testRedis } from "../testing/redis";

describe("API keys", () => {
  let redis: Redis;
  let keys: Keyspace;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ redis, keys, cleanup } = await testRedis()));
  afterAll(async () => cleanup());

  it("creates keys shown once and stores only their sha256", async () => {
    const store = new ApiKeyStore(redis, keys, 0);
    const { key, record } = await store.create("alice");
    expect(key).toMatch(/^noos_[a-z0-9]{12}_[A-Za-z0-9]{40}$/);
    expect(apiKeyId(key)).toBe(record.id);
    const stored = await redis.hgetall(keys.apiKey(record.id));
    expect(stored.hash).toBe(hashApiKey(key));
    expect(Object.values(stored).join(" ")).not.toContain(key.split("_")[2]);
    expect(await store.admit(key)).toMatchObject({ ok: true, id: record.id });
  });

  it("refuses malformed, unknown, tampered and revoked keys", async () => {
    const store = new ApiKeyStore(redis, keys, 0);
    const { key, record } = await store.create("bob");
    expect(await store.admit("sk-not-ours")).toEqual({ ok: false, reason: "invalid" });
    expect(await store.admit(key.slice(0, -1) + (key.endsWith("a") ? "b" : "a"))).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await store.admit(`noos_zzzzzzzzzzzz_${key.split("_")[2]}`)).toEqual({ ok: false, reason: "invalid" });
    expect(await store.revoke(record.id)).toBe(true);
    expect(await store.revoke("nosuchid0000")).toBe(false);
    expect(await store.admit(key)).toEqual({ ok: false, reason: "revoked" });
    expect((await store.get(record.id))?.revokedAt).toBeGreaterThan(0);
  });

  it("lists keys in creation order without their hashes", async () => {
    const store = new ApiKeyStore(redis, keys, 0);
    const a = await store.create("first", { rpm: 5 });
    const b = await store.create("second");
    const listed = await store.list();
    const ids = listed.map((r) => r.id);
    expect(ids.indexOf(a.record.id)).toBeLessThan(ids.indexOf(b.record.id));
    expect(listed.find((r) => r.id === a.record.id)).toEqual({ ...a.record, rpm: 5 });
    expect(JSON.stringify(listed)).not.toContain("hash");
  });

  it("limits each key to its requests per minute, with Retry-After, independently of other keys", async () => {
    const store = new ApiKeyStore(redis, keys, 3);
    const limited = await store.create("limited");
    const other = await store.create("other");
    const own = await store.create("own limit", { rpm: 5 });
    for (let i = 0; i < 3; i++) expect((await store.admit(limited.key)).ok).toBe(true);
    const refused = await store.admit(limited.key);
    expect(refused).toMatchObject({ ok: false, reason: "rate-limited", limit: 3 });
    // One token comes back every 20 s at 3 per minute.
    if (!refused.ok && refused.reason === "rate-limited") {
      expect(refused.retryAfterMs).toBeGreaterThan(15_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(20_000);
    }
    expect((await store.admit(other.key)).ok).toBe(true);
    let admitted = 0;
    for (let i = 0; i < 7; i++) if ((await store.admit(own.key)).ok) admitted++;
    expect(admitted).toBe(5);
  });

  it("refills the bucket with time", async () => {
    const store = new ApiKeyStore(redis, keys, 600); // one token per 100 ms
    const { key, record } = await store.create("refill");
    await redis.hset(keys.rateBucket(record.id), "tokens", "0", "ts", String(Date.now()));
    expect((await store.admit(key)).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect((await store.admit(key)).ok).toBe(true);
  });

  it("treats a limit of 0 as unlimited", async () => {
    const store = new ApiKeyStore(redis, keys, 1);
    const { key } = await store.create("unlimited", { rpm: 0 });
    for (let i = 0; i < 5; i++) expect((await store.admit(key)).ok).toBe(true);
  });
});
