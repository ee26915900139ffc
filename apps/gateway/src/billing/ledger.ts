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
  /** `fromCredit`: the price came from a failed call's freed room on the slot; the cumulative did not move. */
  | { ok: true; cumulative: bigint; fromCredit: boolean }
  /** The miner's allotment (as of the last snapshot) cannot cover its exposure plus this price. */
  | { ok: false; reason: "insufficient"; outstanding: bigint; available: bigint }
  | { ok: false; reason: "no-snapshot" }
  /** The API key given to admit with the reservation was refused: nothing was reserved. */
  | { ok: false; reason: "key"; admission: KeyRefusal };

export interface SlotState {
  /** Highest cumulative amount signed (or known held by the miner). */
  cumulative: bigint;
  /** Redeemed on-chain as of the last snapshot. */
  redeemed: bigint;
  /** Room below the cumulative freed by failed calls, taken by the next reservations on the slot. */
  credit: bigint;
}

export interface MinerLedgerState {
  /** What the miner could redeem with the vouchers signed to it: cumulative - redeemed over its slots. */
  exposure: bigint;
  /** Its allotment of the client's escrow, less the part thawing, as of the last snapshot. */
  allotment: bigint;
}

/*
 * One Redis hash per client holds, per slot, `c|slot` (cumulative signed), `r|slot` (redeemed
 * on-chain as of a snapshot) and `g|slot` (credit: room below c freed by calls that failed after a
 * later call raised c); per miner, `s|miner` and `d|miner` (the sums of c and r over its slots) and
 * `a|miner` (its allotment less the part thawing, at the snapshot); the totals `signed` and
 * `redeemed`, and the snapshot's free `escrow` and `block`.
 *
 * A miner is paid only from its own allotment, so each miner's exposure (s - d) must stay within
 * its allotment: never a sum against the whole escrow, which N miners could each have served up to.
 * Why this is safe with stale snapshots: a redemption lowers the allotment and raises d by the same
 * amount, so a - (s - d) does not change until an allotment does; a snapshot reads allotments and
 * redeemed totals at one block, so it never mixes an old allotment with newer redemptions.
 *
 * Credit: vouchers are cumulative, so a failed call whose price was passed by a later reservation
 * cannot be undone by lowering c; its price becomes credit that the next reservation on the slot
 * takes instead of raising c (the miner's debt never counted the failed call, so the same voucher
 * pays for the new one). Then what a client is charged equals the prices of its answered calls,
 * however calls fail or overlap. Invariants kept by every script: r <= c, g <= c - r per slot, and
 * every sum equals its parts.
 */
const SLOT_FUNCTIONS = `${BIGDEC_LUA}
local totals = redis.call('HMGET', KEYS[1], 'signed', 'redeemed')
local signed, redeemed = dnorm(totals[1]), dnorm(totals[2])
local function load_slot(slot)
  local miner = string.match(slot, '^([^|]+)')
  local v = redis.call('HMGET', KEYS[1], 'c|' .. slot, 'r|' .. slot, 'g|' .. slot, 's|' .. miner, 'd|' .. miner)
  return {slot = slot, miner = miner, c = dnorm(v[1]), r = dnorm(v[2]), g = dnorm(v[3]), s = dnorm(v[4]), d = dnorm(v[5])}
end
local function set_c(x, v)
  signed = dadd(dsub(signed, x.c), v); x.s = dadd(dsub(x.s, x.c), v); x.c = v
end
local function cap_credit(x)
  local room = dsub(x.c, x.r)
  if dcmp(x.g, room) > 0 then x.g = room end
end
local function raise_redeemed(x, chain)
  if dcmp(chain, x.r) > 0 then
    redeemed = dadd(dsub(redeemed, x.r), chain); x.d = dadd(dsub(x.d, x.r), chain); x.r = chain
  end
  if dcmp(x.r, x.c) > 0 then set_c(x, x.r) end
  cap_credit(x)
end
local function raise_cumulative(x, v)
  if dcmp(v, x.c) > 0 then set_c(x, v) end
end
local function save(x)
  redis.call('HSET', KEYS[1], 'c|' .. x.slot, x.c, 'r|' .. x.slot, x.r, 'g|' .. x.slot, x.g,
    's|' .. x.miner, x.s, 'd|' .. x.miner, x.d, 'signed', signed, 'redeemed', redeemed)
end
`;

/**
 * ARGV: slot, price, floor (the slot's redeemed total on-chain, if known: its cumulative starts
 * there). Replies {1, cumulative, fromCredit}, {0, exposure, allotment} or {2} when no snapshot exists.
 */
const RESERVE_LUA = `
if not redis.call('HGET', KEYS[1], 'escrow') then return {2} end
local x = load_slot(ARGV[1])
raise_cumulative(x, dnorm(ARGV[3]))
local price = dnorm(ARGV[2])
if dcmp(x.g, price) >= 0 then
  x.g = dsub(x.g, price)
  save(x)
  return {1, x.c, 1}
end
local allotment = dnorm(redis.call('HGET', KEYS[1], 'a|' .. x.miner))
local exposure = dsub(x.s, x.d)
if dcmp(dadd(exposure, price), allotment) > 0 then
  save(x)
  return {0, exposure, allotment}
end
set_c(x, dadd(x.c, price))
save(x)
return {1, x.c, 0}
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

/**
 * ARGV: slot, price, the cumulative that reservation produced, 1 if it came from credit. The top
 * reservation of a slot is undone (c lowered, reply 1); any other becomes credit (reply 2).
 */
const RELEASE = new RedisScript(
  `${SLOT_FUNCTIONS}
local x = load_slot(ARGV[1])
local price = dnorm(ARGV[2])
if ARGV[4] ~= '1' and x.c == dnorm(ARGV[3]) and dcmp(x.c, price) >= 0 and dcmp(dsub(x.c, price), dadd(x.r, x.g)) >= 0 then
  set_c(x, dsub(x.c, price))
  save(x)
  return 1
end
x.g = dadd(x.g, price)
cap_credit(x)
save(x)
return 2
`,
  1,
);

/**
 * ARGV: block, free escrow at that block, the number of slots n, then n (slot, redeemed at that block)
 * pairs, then (miner, allotment less thawing at that block) pairs. Redeemed totals only ever rise; the
 * escrow and the allotments are replaced only by a snapshot at least as recent.
 */
const SNAPSHOT = new RedisScript(
  `${SLOT_FUNCTIONS}
local n = tonumber(ARGV[3])
for i = 4, 3 + 2 * n, 2 do
  local x = load_slot(ARGV[i])
  raise_redeemed(x, dnorm(ARGV[i + 1]))
  save(x)
end
local block = tonumber(ARGV[1])
local stored = tonumber(redis.call('HGET', KEYS[1], 'block') or '-1')
if block >= stored then
  redis.call('HSET', KEYS[1], 'escrow', dnorm(ARGV[2]), 'block', ARGV[1], 'signed', signed, 'redeemed', redeemed)
  for i = 4 + 2 * n, #ARGV, 2 do redis.call('HSET', KEYS[1], 'a|' .. ARGV[i], dnorm(ARGV[i + 1])) end
  return 1
end
redis.call('HSET', KEYS[1], 'signed', signed, 'redeemed', redeemed)
return 0
`,
  1,
);

/**
 * ARGV: slot, a cumulative amount the miner proved it holds (a voucher signed for this client). Raises
 * the slot to it and drops its credit (the miner's debt counts calls this gateway thought failed).
 */
const HELD = new RedisScript(
  `${SLOT_FUNCTIONS}
local x = load_slot(ARGV[1])
raise_cumulative(x, dnorm(ARGV[2]))
x.g = '0'
save(x)
return x.c
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
  /** Vouchers signed and not yet redeemed, every miner together. */
  outstanding: bigint;
  /** Free escrow (not allotted, thawing part included) as of the last snapshot. */
  escrow?: bigint;
  block?: number;
}

/**
 * The cumulative voucher amounts one client has signed, shared by every gateway on this Redis.
 * A reservation atomically checks that the miner's allotment covers everything signed to it and not
 * redeemed plus this price, and raises the slot's cumulative by the price (or takes the slot's
 * credit); a failed call gives its price back (undone at the top of the slot, else as credit).
 * Amounts are exact (decimal strings in Lua).
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
   * Reserves `price` on `slot` if the miner's allotment covers its exposure plus it (or the slot's
   * credit does). `floor`: the slot's redeemed total on-chain when known (a new slot's cumulative
   * starts there). `admit`: an API key to admit first, in the same round trip (nothing is reserved if
   * refused).
   */
  async reserve(slot: VoucherSlot, price: bigint, floor = 0n, admit?: KeyAdmission): Promise<ReserveResult> {
    const args = [slotField(slot), price.toString(), floor.toString()];
    const reply = (
      admit
        ? await ADMIT_AND_RESERVE.run(this.redis, [this.key, ...admit.keys], [...args, ...admit.args])
        : await RESERVE.run(this.redis, [this.key], args)
    ) as [number, string?, (string | number)?];
    if (admit) admit.checked = true;
    if (reply[0] === 3) {
      // status != 0: a refusal
      return {
        ok: false,
        reason: "key",
        admission: toAdmission(admit!.id, reply.slice(1) as AdmitReply) as KeyRefusal,
      };
    }
    if (reply[0] === 1) return { ok: true, cumulative: BigInt(reply[1]!), fromCredit: Number(reply[2]) === 1 };
    if (reply[0] === 2) return { ok: false, reason: "no-snapshot" };
    return { ok: false, reason: "insufficient", outstanding: BigInt(reply[1]!), available: BigInt(reply[2]!) };
  }

  /**
   * Gives a failed call's reservation back: "undone" when it was the slot's top (the cumulative goes
   * down), "credited" otherwise (the next reservation on the slot takes it).
   */
  async release(
    slot: VoucherSlot,
    price: bigint,
    cumulative: bigint,
    fromCredit = false,
  ): Promise<"undone" | "credited"> {
    const done = await RELEASE.run(
      this.redis,
      [this.key],
      [slotField(slot), price.toString(), cumulative.toString(), fromCredit ? "1" : "0"],
    );
    return done === 1 ? "undone" : "credited";
  }

  /** Records the chain at `block`: the free escrow, the slots' redeemed totals and the miners' allotments then. */
  async snapshot(
    block: number,
    free: bigint,
    redeemed: readonly { slot: VoucherSlot; redeemed: bigint }[],
    allotments: readonly { miner: string; available: bigint }[] = [],
  ): Promise<boolean> {
    const args: string[] = [String(block), free.toString(), String(redeemed.length)];
    for (const e of redeemed) args.push(slotField(e.slot), e.redeemed.toString());
    for (const a of allotments) args.push(a.miner.toLowerCase(), a.available.toString());
    return (await SNAPSHOT.run(this.redis, [this.key], args)) === 1;
  }

  /** A miner proved it holds a voucher at `held` on `slot` (after lost state, or one signed elsewhere). */
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
    const [c, r, g] = await this.redis.hmget(this.key, `c|${f}`, `r|${f}`, `g|${f}`);
    return { cumulative: BigInt(c ?? 0), redeemed: BigInt(r ?? 0), credit: BigInt(g ?? 0) };
  }

  async minerState(miner: string): Promise<MinerLedgerState> {
    const m = miner.toLowerCase();
    const [s, d, a] = await this.redis.hmget(this.key, `s|${m}`, `d|${m}`, `a|${m}`);
    return { exposure: BigInt(s ?? 0) - BigInt(d ?? 0), allotment: BigInt(a ?? 0) };
  }

  /** Every slot this client has signed vouchers on. */
  async slots(): Promise<VoucherSlot[]> {
    const fields = await this.redis.hkeys(this.key);
    return fields.map(parseSlot).filter((s): s is VoucherSlot => s !== undefined);
  }
}
