import type { Redis } from "ioredis";
import { ADMIT_KEY_LUA, toAdmission } from "../store/api-keys";
import type { AdmitReply, KeyAdmission, KeyRefusal } from "../store/api-keys";
import type { Keyspace } from "../store/keyspace";
import { BIGDEC_LUA } from "../store/lua";
import { RedisScript } from "../store/script";

/** What a cumulative voucher is about: Billing keeps one redeemed total per slot. */
export interface VoucherSlot {
  miner: string;
  netuid: number;
  tier: number;
}

export type ReserveResult =
  | { ok: true; cumulative: bigint }
  | { ok: false; reason: "insufficient"; outstanding: bigint; available: bigint }
  | { ok: false; reason: "no-snapshot" }
  /** The API key given to admit with the reservation was refused: nothing was reserved. */
  | { ok: false; reason: "key"; admission: KeyRefusal };

export interface SlotState {
  /** Highest cumulative amount signed (or known held by the miner). */
  cumulative: bigint;
  /** Redeemed on-chain as of the last snapshot. */
  redeemed: bigint;
}

/*
 * One Redis hash per client holds, per slot, `c|slot` (cumulative signed) and `r|slot` (redeemed
 * on-chain as of a snapshot), the totals `signed` = sum of c and `redeemed` = sum of r, and the
 * snapshot's `escrow` (balance minus thawing) and `block`. Vouchers outstanding = signed - redeemed.
 *
 * Why this is safe with stale snapshots: a redemption lowers the escrow and raises `redeemed` by
 * the same amount, so escrow - outstanding (what may still be signed) does not change until a
 * deposit or withdrawal does. A snapshot reads the escrow and the slots' redeemed totals at one
 * block, so it never mixes an old escrow with newer redemptions.
 *
 * Invariants kept by every script: c >= r per slot, and both totals equal their sums.
 */
const SLOT_FUNCTIONS = `${BIGDEC_LUA}
local totals = redis.call('HMGET', KEYS[1], 'signed', 'redeemed')
local signed, redeemed = dnorm(totals[1]), dnorm(totals[2])
local function load_slot(slot)
  local v = redis.call('HMGET', KEYS[1], 'c|' .. slot, 'r|' .. slot)
  return {slot = slot, c = dnorm(v[1]), r = dnorm(v[2])}
end
local function raise_redeemed(s, chain)
  if dcmp(chain, s.r) > 0 then redeemed = dadd(dsub(redeemed, s.r), chain); s.r = chain end
  if dcmp(s.r, s.c) > 0 then signed = dadd(dsub(signed, s.c), s.r); s.c = s.r end
end
local function raise_cumulative(s, x)
  if dcmp(x, s.c) > 0 then signed = dadd(dsub(signed, s.c), x); s.c = x end
end
local function save(s)
  redis.call('HSET', KEYS[1], 'c|' .. s.slot, s.c, 'r|' .. s.slot, s.r, 'signed', signed, 'redeemed', redeemed)
end
`;

/**
 * ARGV: slot, price, floor (the slot's redeemed total on-chain, if known: its cumulative starts
 * there). Replies {1, cumulative}, {0, outstanding, available} or {2} when no snapshot exists yet.
 */
const RESERVE_LUA = `
local escrow = redis.call('HGET', KEYS[1], 'escrow')
if not escrow then return {2} end
local s = load_slot(ARGV[1])
raise_cumulative(s, dnorm(ARGV[3]))
local outstanding = dsub(signed, redeemed)
local price = dnorm(ARGV[2])
if dcmp(dadd(outstanding, price), escrow) > 0 then
  save(s)
  return {0, outstanding, escrow}
end
s.c = dadd(s.c, price)
signed = dadd(signed, price)
save(s)
return {1, s.c}
`;

const RESERVE = new RedisScript(`${SLOT_FUNCTIONS}${RESERVE_LUA}`, 1);

/**
 * A request's API key admission and its reservation in one round trip: KEYS ledger, key record,
 * rate bucket; ARGV as RESERVE's, then the key's hash and the default rpm. A refused key replies
 * {3, status, limit, retryAfterMs, remaining} and reserves nothing.
 */
const ADMIT_AND_RESERVE = new RedisScript(
  `${ADMIT_KEY_LUA}
local a = admit_key(KEYS[2], KEYS[3], ARGV[4], ARGV[5])
if a[1] ~= 0 then return {3, a[1], a[2], a[3], a[4]} end
${SLOT_FUNCTIONS}${RESERVE_LUA}`,
  3,
);

/** ARGV: slot, price, the cumulative that reservation produced. Undoes it if nothing moved since. */
const RELEASE = new RedisScript(
  `${SLOT_FUNCTIONS}
local s = load_slot(ARGV[1])
local price = dnorm(ARGV[2])
if s.c ~= dnorm(ARGV[3]) or dcmp(s.c, price) < 0 then return 0 end
local previous = dsub(s.c, price)
if dcmp(previous, s.r) < 0 then return 0 end
s.c = previous
signed = dsub(signed, price)
save(s)
return 1
`,
  1,
);

/**
 * ARGV: block, escrow available at that block, then (slot, redeemed at that block) pairs.
 * Redeemed totals only ever rise; the escrow is replaced only by a snapshot at least as recent.
 */
const SNAPSHOT = new RedisScript(
  `${SLOT_FUNCTIONS}
for i = 3, #ARGV, 2 do
  local s = load_slot(ARGV[i])
  raise_redeemed(s, dnorm(ARGV[i + 1]))
  save(s)
end
local block = tonumber(ARGV[1])
local stored = tonumber(redis.call('HGET', KEYS[1], 'block') or '-1')
if block >= stored then
  redis.call('HSET', KEYS[1], 'escrow', dnorm(ARGV[2]), 'block', ARGV[1], 'signed', signed, 'redeemed', redeemed)
  return 1
end
redis.call('HSET', KEYS[1], 'signed', signed, 'redeemed', redeemed)
return 0
`,
  1,
);

/** ARGV: slot, a cumulative amount the miner holds. Raises the slot to it. */
const HELD = new RedisScript(
  `${SLOT_FUNCTIONS}
local s = load_slot(ARGV[1])
raise_cumulative(s, dnorm(ARGV[2]))
save(s)
return s.c
`,
  1,
);

const SUMMARY = new RedisScript(
  `${BIGDEC_LUA}
local v = redis.call('HMGET', KEYS[1], 'signed', 'redeemed', 'escrow', 'block')
return {dsub(dnorm(v[1]), dnorm(v[2])), v[3] or '', v[4] or ''}
`,
  1,
);

export function slotField(slot: VoucherSlot): string {
  return `${slot.miner.toLowerCase()}|${slot.netuid}|${slot.tier}`;
}

function parseSlot(field: string): VoucherSlot | undefined {
  const m = /^c\|(0x[0-9a-f]{40})\|(\d+)\|(\d+)$/.exec(field);
  return m ? { miner: m[1]!, netuid: Number(m[2]), tier: Number(m[3]) } : undefined;
}

export interface LedgerSummary {
  outstanding: bigint;
  /** Escrow available (balance - thawing) as of the last snapshot. */
  escrow?: bigint;
  block?: number;
}

/**
 * The cumulative voucher amounts one client has signed, shared by every gateway on this Redis.
 * A reservation atomically checks that the escrow covers every voucher outstanding plus this
 * price, and raises the slot's cumulative by the price; a failed call releases it when nothing
 * else moved the slot since. Amounts are exact (decimal strings in Lua).
 */
export class VoucherLedger {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    keys: Keyspace,
    readonly chainId: number,
    readonly billing: string,
    readonly client: string,
  ) {
    this.key = keys.ledger(chainId, billing, client);
  }

  /**
   * Reserves `price` on `slot` if the snapshot's escrow covers everything outstanding plus it.
   * `floor`: the slot's redeemed total on-chain when known (a new slot's cumulative starts there).
   * `admit`: an API key to admit first, in the same round trip (nothing is reserved if refused).
   */
  async reserve(slot: VoucherSlot, price: bigint, floor = 0n, admit?: KeyAdmission): Promise<ReserveResult> {
    const args = [slotField(slot), price.toString(), floor.toString()];
    const reply = (
      admit
        ? await ADMIT_AND_RESERVE.run(this.redis, [this.key, ...admit.keys], [...args, ...admit.args])
        : await RESERVE.run(this.redis, [this.key], args)
    ) as [number, string?, string?];
    if (admit) admit.checked = true;
    if (reply[0] === 3) {
      // status != 0: a refusal
      return {
        ok: false,
        reason: "key",
        admission: toAdmission(admit!.id, reply.slice(1) as AdmitReply) as KeyRefusal,
      };
    }
    if (reply[0] === 1) return { ok: true, cumulative: BigInt(reply[1]!) };
    if (reply[0] === 2) return { ok: false, reason: "no-snapshot" };
    return { ok: false, reason: "insufficient", outstanding: BigInt(reply[1]!), available: BigInt(reply[2]!) };
  }

  /** Gives a reservation back after a call that failed; false if a later reservation moved the slot. */
  async release(slot: VoucherSlot, price: bigint, cumulative: bigint): Promise<boolean> {
    const done = await RELEASE.run(this.redis, [this.key], [slotField(slot), price.toString(), cumulative.toString()]);
    return done === 1;
  }

  /** Records the chain at `block`: the escrow available then and the slots' redeemed totals. */
  async snapshot(
    block: number,
    available: bigint,
    redeemed: readonly { slot: VoucherSlot; redeemed: bigint }[],
  ): Promise<boolean> {
    const args: string[] = [String(block), available.toString()];
    for (const e of redeemed) args.push(slotField(e.slot), e.redeemed.toString());
    return (await SNAPSHOT.run(this.redis, [this.key], args)) === 1;
  }

  /** A miner holds a voucher at `held` on `slot` (after lost state, or one signed elsewhere). */
  async raiseHeld(slot: VoucherSlot, held: bigint): Promise<bigint> {
    return BigInt((await HELD.run(this.redis, [this.key], [slotField(slot), held.toString()])) as string);
  }

  async summary(): Promise<LedgerSummary> {
    const [outstanding, escrow, block] = (await SUMMARY.run(this.redis, [this.key], [])) as [string, string, string];
    const out: LedgerSummary = { outstanding: BigInt(outstanding) };
    if (escrow !== "") out.escrow = BigInt(escrow);
    if (block !== "") out.block = Number(block);
    return out;
  }

  async state(slot: VoucherSlot): Promise<SlotState> {
    const f = slotField(slot);
    const [c, r] = await this.redis.hmget(this.key, `c|${f}`, `r|${f}`);
    return { cumulative: BigInt(c ?? 0), redeemed: BigInt(r ?? 0) };
  }

  /** Every slot this client has signed vouchers on. */
  async slots(): Promise<VoucherSlot[]> {
    const fields = await this.redis.hkeys(this.key);
    return fields.map(parseSlot).filter((s): s is VoucherSlot => s !== undefined);
  }
}
