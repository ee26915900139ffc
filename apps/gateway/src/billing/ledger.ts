import type { Redis } from "ioredis";
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
  | { ok: false; outstanding: bigint };

export interface SlotState {
  /** Highest cumulative amount signed (or known held by the miner). */
  cumulative: bigint;
  /** Highest amount known redeemed on-chain. */
  redeemed: bigint;
}

/*
 * One Redis hash per client holds, per slot, `c|slot` (cumulative signed) and `r|slot` (redeemed
 * on-chain, as last seen), and the totals `signed` = sum of c and `redeemed` = sum of r. So the
 * vouchers outstanding (signed but not yet redeemed) are `signed - redeemed`, read in O(1).
 * Invariants kept by every script: c >= r per slot, and both totals equal their sums.
 */
const PRELUDE = `${BIGDEC_LUA}
local cf, rf = 'c|' .. ARGV[1], 'r|' .. ARGV[1]
local v = redis.call('HMGET', KEYS[1], cf, rf, 'signed', 'redeemed')
local c, r, signed, redeemed = dnorm(v[1]), dnorm(v[2]), dnorm(v[3]), dnorm(v[4])
local function raise_redeemed(chain)
  if dcmp(chain, r) > 0 then redeemed = dadd(dsub(redeemed, r), chain); r = chain end
  if dcmp(r, c) > 0 then signed = dadd(dsub(signed, c), r); c = r end
end
local function raise_cumulative(x)
  if dcmp(x, c) > 0 then signed = dadd(dsub(signed, c), x); c = x end
end
local function save()
  redis.call('HSET', KEYS[1], cf, c, rf, r, 'signed', signed, 'redeemed', redeemed)
end
`;

/** ARGV: slot, price, available (escrow that may still be burned), redeemed on-chain for the slot. */
const RESERVE = new RedisScript(
  `${PRELUDE}
raise_redeemed(dnorm(ARGV[4]))
local outstanding = dsub(signed, redeemed)
local price = dnorm(ARGV[2])
if dcmp(dadd(outstanding, price), dnorm(ARGV[3])) > 0 then
  save()
  return {0, outstanding}
end
c = dadd(c, price)
signed = dadd(signed, price)
save()
return {1, c}
`,
  1,
);

/** ARGV: slot, price, the cumulative that reservation produced. Undoes it if nothing moved since. */
const RELEASE = new RedisScript(
  `${PRELUDE}
if c ~= dnorm(ARGV[3]) then return 0 end
local price = dnorm(ARGV[2])
if dcmp(c, price) < 0 then return 0 end
local previous = dsub(c, price)
if dcmp(previous, r) < 0 then return 0 end
c = previous
signed = dsub(signed, price)
save()
return 1
`,
  1,
);

/** ARGV: slot, redeemed on-chain, cumulative known held by the miner ('0' if none). */
const OBSERVE = new RedisScript(
  `${PRELUDE}
raise_redeemed(dnorm(ARGV[2]))
raise_cumulative(dnorm(ARGV[3]))
save()
return {c, r}
`,
  1,
);

const OUTSTANDING = new RedisScript(
  `${BIGDEC_LUA}
local v = redis.call('HMGET', KEYS[1], 'signed', 'redeemed')
return dsub(dnorm(v[1]), dnorm(v[2]))
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
   * Reserves `price` on `slot` if `available` (escrow that redemptions can still burn) covers
   * everything outstanding plus it. `redeemedOnChain` is Billing's redeemed total for the slot
   * (a cached value is fine: it only ever grows).
   */
  async reserve(slot: VoucherSlot, price: bigint, available: bigint, redeemedOnChain: bigint): Promise<ReserveResult> {
    const [ok, amount] = (await RESERVE.run(
      this.redis,
      [this.key],
      [slotField(slot), price.toString(), available.toString(), redeemedOnChain.toString()],
    )) as [number, string];
    return ok === 1 ? { ok: true, cumulative: BigInt(amount) } : { ok: false, outstanding: BigInt(amount) };
  }

  /** Gives a reservation back after a call that failed; false if a later reservation moved the slot. */
  async release(slot: VoucherSlot, price: bigint, cumulative: bigint): Promise<boolean> {
    const done = await RELEASE.run(this.redis, [this.key], [slotField(slot), price.toString(), cumulative.toString()]);
    return done === 1;
  }

  /**
   * Raises what the ledger knows: `redeemed` from the chain, and `held` from a miner that holds a
   * voucher higher than the ledger's (after lost state, or a voucher signed elsewhere).
   */
  async observe(slot: VoucherSlot, redeemed: bigint, held = 0n): Promise<SlotState> {
    const [c, r] = (await OBSERVE.run(
      this.redis,
      [this.key],
      [slotField(slot), redeemed.toString(), held.toString()],
    )) as [string, string];
    return { cumulative: BigInt(c), redeemed: BigInt(r) };
  }

  /** Signed and not yet known redeemed, over every slot. */
  async outstanding(): Promise<bigint> {
    return BigInt((await OUTSTANDING.run(this.redis, [this.key], [])) as string);
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
