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

export type KeyRefusal = Extract<Admission, { ok: false }>;

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
 * Admits a request with a key: checks its hash and revocation, then takes a token from the key's
 * bucket (capacity = its per-minute limit, refilled continuously). Redis's clock is the only
 * clock, so gateways on several machines agree. Returns {status, limit, retryAfterMs, remaining}:
 * status 0 admitted, 1 unknown key, 2 revoked, 3 rate-limited. Other scripts include it to admit
 * in the same round trip as their own work (the voucher ledger's reservation).
 */
export const ADMIT_KEY_LUA = `
local function admit_key(record, bucket, hash, default_rpm)
  local rec = redis.call('HMGET', record, 'hash', 'revokedAt', 'rpm')
  if not rec[1] or rec[1] ~= hash then return {1, 0, 0, 0} end
  if rec[2] and rec[2] ~= '' then return {2, 0, 0, 0} end
  local rpm = tonumber(rec[3]) or tonumber(default_rpm)
  if rpm <= 0 then return {0, 0, 0, -1} end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local b = redis.call('HMGET', bucket, 'tokens', 'ts')
  local tokens = tonumber(b[1]) or rpm
  local ts = tonumber(b[2]) or now
  if now > ts then tokens = math.min(rpm, tokens + (now - ts) * rpm / 60000) end
  if tokens < 1 then
    redis.call('HSET', bucket, 'tokens', tostring(tokens), 'ts', tostring(now))
    redis.call('PEXPIRE', bucket, 61000)
    return {3, rpm, math.ceil((1 - tokens) * 60000 / rpm), 0}
  end
  tokens = tokens - 1
  redis.call('HSET', bucket, 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', bucket, 61000)
  return {0, rpm, 0, math.floor(tokens)}
end
`;

/** One round trip admits a request: KEYS record, bucket; ARGV hash, default rpm. */
const ADMIT = new RedisScript(`${ADMIT_KEY_LUA}\nreturn admit_key(KEYS[1], KEYS[2], ARGV[1], ARGV[2])`, 2);

/** What a script needs to admit a presented key: its Redis keys and arguments. */
export interface KeyAdmission {
  id: string;
  keys: [record: string, bucket: string];
  args: [hash: string, defaultRpm: number];
  /** Set once a script admitted or refused the key: a request's key is checked (and counted) once. */
  checked?: boolean;
}

export class ApiKeyStore {
  /** Key hashes seen valid recently, with when that stops counting (see `known`). */
  private readonly seenValid = new Map<string, number>();

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
    const admission = this.admission(presented);
    if (admission === undefined) return { ok: false, reason: "invalid" };
    return this.admitWith(admission);
  }

  /**
   * Whether the prepared key exists and is not revoked: checked before a request's body is read, so a
   * stranger cannot make the gateway parse (up to its body limit of) whatever it sends. A key found
   * valid is remembered for `ttlMs` (one Redis read per key and period); the admission that counts the
   * request stays the authority (a revocation is refused there at once).
   */
  async known(admission: KeyAdmission, ttlMs = 10_000): Promise<boolean> {
    const hash = admission.args[0];
    const until = this.seenValid.get(hash);
    if (until !== undefined && until > Date.now()) return true;
    const [stored, revokedAt] = await this.redis.hmget(admission.keys[0], "hash", "revokedAt");
    if (stored !== hash || revokedAt) {
      this.seenValid.delete(hash);
      return false;
    }
    if (this.seenValid.size >= 10_000) this.seenValid.clear(); // bounded: a busy gateway just re-reads
    this.seenValid.set(hash, Date.now() + ttlMs);
    return true;
  }

  /** Admits a key whose admission was prepared by `admission()`. */
  async admitWith(admission: KeyAdmission): Promise<Admission> {
    const reply = (await ADMIT.run(this.redis, admission.keys, admission.args)) as AdmitReply;
    admission.checked = true;
    return toAdmission(admission.id, reply);
  }

  /** What ADMIT_KEY_LUA needs to admit `presented` (undefined when it is not a well-formed key). */
  admission(presented: string): KeyAdmission | undefined {
    const id = apiKeyId(presented);
    if (id === undefined) return undefined;
    return {
      id,
      keys: [this.keys.apiKey(id), this.keys.rateBucket(id)],
      args: [hashApiKey(presented), this.defaultRpm],
    };
  }
}

/** admit_key's reply: status, limit, retryAfterMs, remaining. */
export type AdmitReply = [number, number, number, number];

export function toAdmission(id: string, reply: AdmitReply): Admission {
  const [status, limit, retryAfterMs, remaining] = reply;
  if (status === 1) return { ok: false, reason: "invalid" };
  if (status === 2) return { ok: false, reason: "revoked" };
  if (status === 3) return { ok: false, reason: "rate-limited", limit, retryAfterMs };
  return { ok: true, id, limit, remaining };
}

function toRecord(id: string, raw: Record<string, string>): ApiKeyRecord {
  const record: ApiKeyRecord = { id, name: raw.name ?? "", createdAt: Number(raw.createdAt ?? 0) };
  if (raw.revokedAt) record.revokedAt = Number(raw.revokedAt);
  if (raw.rpm !== undefined) record.rpm = Number(raw.rpm);
  return record;
}
