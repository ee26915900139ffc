import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Keyspace } from "./keyspace";
import { RedisScript } from "./script";

/**
 * API keys: `noos_<id>_<secret>`. Redis keeps only the sha256 of the whole key (never the key),
 * with a name, a creation time, an optional per-key rate limit and a revocation time. The id
 * finds the record without a scan; the hash proves the secret.
 */
export interface ApiKeyRecord {
  id: string;
  name: string;
  createdAt: number; // unix ms
  revokedAt?: number; // unix ms
  /** Requests per minute for this key; undefined = the gateway's default. */
  rpm?: number;
}

export interface CreatedApiKey {
  record: ApiKeyRecord;
  /** The key itself: shown once, at creation. */
  key: string;
}

export type Admission =
  | { ok: true; id: string; limit: number; remaining: number }
  | { ok: false; reason: "invalid" | "revoked" }
  | { ok: false; reason: "rate-limited"; limit: number; retryAfterMs: number };

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const KEY_PATTERN = /^noos_([a-z0-9]{12})_([A-Za-z0-9]{40})$/;

function randomString(length: number, alphabet: string): string {
  // Rejection sampling keeps every character uniform.
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit && out.length < length) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The id inside a well-formed key, else undefined. */
export function apiKeyId(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/**
 * One round trip admits a request: checks the key's hash and revocation, then takes a token from
 * the key's bucket (capacity = its per-minute limit, refilled continuously). Redis's clock is the
 * only clock, so gateways on several machines agree. Replies {status, limit, retryAfterMs, remaining}:
 * status 0 admitted, 1 unknown key, 2 revoked, 3 rate-limited.
 */
const ADMIT = new RedisScript(
  `
local rec = redis.call('HMGET', KEYS[1], 'hash', 'revokedAt', 'rpm')
if not rec[1] or rec[1] ~= ARGV[1] then return {1, 0, 0, 0} end
if rec[2] and rec[2] ~= '' then return {2, 0, 0, 0} end
local rpm = tonumber(rec[3]) or tonumber(ARGV[2])
if rpm <= 0 then return {0, 0, 0, -1} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[2], 'tokens', 'ts')
local tokens = tonumber(b[1]) or rpm
local ts = tonumber(b[2]) or now
if now > ts then tokens = math.min(rpm, tokens + (now - ts) * rpm / 60000) end
if tokens < 1 then
  redis.call('HSET', KEYS[2], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[2], 61000)
  return {3, rpm, math.ceil((1 - tokens) * 60000 / rpm), 0}
end
tokens = tokens - 1
redis.call('HSET', KEYS[2], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[2], 61000)
return {0, rpm, 0, math.floor(tokens)}
`,
  2,
);

export class ApiKeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    /** Requests per minute for keys without their own limit; 0 = unlimited. */
    private readonly defaultRpm: number,
  ) {}

  async create(name: string, opts: { rpm?: number } = {}): Promise<CreatedApiKey> {
    if (opts.rpm !== undefined && (!Number.isInteger(opts.rpm) || opts.rpm < 0)) {
      throw new Error(`rpm must be an integer >= 0 (0 = unlimited), got ${opts.rpm}`);
    }
    const id = randomString(12, ALPHABET.slice(0, 36));
    const key = `noos_${id}_${randomString(40, ALPHABET)}`;
    const record: ApiKeyRecord = { id, name, createdAt: Date.now(), rpm: opts.rpm };
    const seq = await this.redis.incr(this.keys.keySequence());
    const fields: Record<string, string> = {
      hash: hashApiKey(key),
      name,
      createdAt: String(record.createdAt),
      seq: String(seq),
    };
    if (opts.rpm !== undefined) fields.rpm = String(opts.rpm);
    const created = await this.redis.hsetnx(this.keys.apiKey(id), "hash", fields.hash!);
    if (created === 0) return this.create(name, opts); // 12 random characters collided: draw again
    await this.redis.multi().hset(this.keys.apiKey(id), fields).sadd(this.keys.keyIndex(), id).exec();
    return { record, key };
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const raw = await this.redis.hgetall(this.keys.apiKey(id));
    return raw.hash ? toRecord(id, raw) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const ids = (await this.redis.smembers(this.keys.keyIndex())).sort();
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.apiKey(id));
    const rows = (await pipeline.exec()) ?? [];
    const raw = ids.map((id, i) => ({ id, fields: (rows[i]?.[1] ?? {}) as Record<string, string> }));
    // Creation order: the sequence number (keys made in the same millisecond stay in order).
    raw.sort((a, b) => Number(a.fields.seq ?? 0) - Number(b.fields.seq ?? 0));
    return raw.map((r) => toRecord(r.id, r.fields));
  }

  /** Revokes a key at once (every gateway sharing this Redis refuses it from the next request). */
  async revoke(id: string): Promise<boolean> {
    const exists = await this.redis.hexists(this.keys.apiKey(id), "hash");
    if (!exists) return false;
    await this.redis.hset(this.keys.apiKey(id), "revokedAt", String(Date.now()));
    return true;
  }

  /** Authenticates a presented key and takes one request from its rate limit. */
  async admit(presented: string): Promise<Admission> {
    const id = apiKeyId(presented);
    if (id === undefined) return { ok: false, reason: "invalid" };
    const reply = (await ADMIT.run(
      this.redis,
      [this.keys.apiKey(id), this.keys.rateBucket(id)],
      [hashApiKey(presented), this.defaultRpm],
    )) as [number, number, number, number];
    const [status, limit, retryAfterMs, remaining] = reply;
    if (status === 1) return { ok: false, reason: "invalid" };
    if (status === 2) return { ok: false, reason: "revoked" };
    if (status === 3) return { ok: false, reason: "rate-limited", limit, retryAfterMs };
    return { ok: true, id, limit, remaining };
  }
}

function toRecord(id: string, raw: Record<string, string>): ApiKeyRecord {
  const record: ApiKeyRecord = { id, name: raw.name ?? "", createdAt: Number(raw.createdAt ?? 0) };
  if (raw.revokedAt) record.revokedAt = Number(raw.revokedAt);
  if (raw.rpm !== undefined) record.rpm = Number(raw.rpm);
  return record;
}
