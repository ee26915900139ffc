/** The billing property test's operations, its fixture and its reference model (billing.property.test.ts). */
import fc from "fast-check";
import { ethers } from "hardhat";
import { HDNodeWallet, type BaseContract } from "ethers";
import { deployBilling } from "@noosphere/deploy";
import { billingFixture, MODEL, NOOS } from "./fixture";

const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

export type Op =
  | { op: "deposit"; c: number; amount: bigint }
  | { op: "allot"; c: number; m: number; permille: number }
  | { op: "startUnallot"; c: number; m: number; permille: number }
  | { op: "unallot"; c: number; m: number }
  | { op: "sign"; c: number; m: number; tier: number; inc: bigint }
  | { op: "redeem"; pick: number; older: boolean }
  | { op: "replay"; pick: number; how: "miner" | "contract" | "chain" }
  | { op: "startWithdraw"; c: number; permille: number }
  | { op: "withdraw"; c: number }
  | { op: "claim"; m: number }
  | { op: "settle" };

const idx = fc.integer({ min: 0, max: 1 });
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("deposit" as const),
      c: idx,
      amount: fc.bigInt({ min: 1n, max: 60n * NOOS }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("allot" as const),
      c: idx,
      m: idx,
      permille: fc.integer({ min: 1, max: 1_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("startUnallot" as const),
      c: idx,
      m: idx,
      permille: fc.integer({ min: 1, max: 1_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("unallot" as const), c: idx, m: idx }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("sign" as const),
      c: idx,
      m: idx,
      tier: idx,
      inc: fc.bigInt({ min: 1n, max: 40n * NOOS }),
    }),
  },
  // redeem and replay act on one of the keys signed so far (`pick` modulo their number)
  { weight: 3, arbitrary: fc.record({ op: fc.constant("redeem" as const), pick: fc.nat(), older: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("replay" as const),
      pick: fc.nat(),
      how: fc.constantFrom("miner" as const, "contract" as const, "chain" as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("startWithdraw" as const),
      c: idx,
      permille: fc.integer({ min: 1, max: 1_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("withdraw" as const), c: idx }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("claim" as const), m: idx }) },
  { weight: 1, arbitrary: fc.constant({ op: "settle" as const }) },
);

export async function propertyFixture() {
  const f = await billingFixture();
  const { admin, token, models, treasury, client, client2, miner, miner2, billing } = f;
  // A second Billing on the same token, where client also has escrow: the target of cross-contract replays.
  const other = await deployBilling(admin, {
    token: await token.getAddress(),
    models: await models.getAddress(),
    treasury: treasury.address,
    hookModels: false,
  });
  for (const c of [client, client2]) await token.connect(c).approve(await other.getAddress(), ethers.MaxUint256);
  await other.connect(client).deposit(10n * NOOS);
  await other.connect(client2).deposit(10n * NOOS);
  await billing.connect(client2).deposit(5n * NOOS);
  // Bring client's allotment to miner down to 30 NOOS (on a subnet the sequences never use) so it runs dry often.
  const drain = {
    client: client.address,
    miner: miner.address,
    netuid: 9,
    tier: 0,
    model: MODEL,
    cumulativeAmount: 70n * NOOS,
  };
  await billing.connect(miner).redeem(drain, await f.sign(drain));
  // Local keys of the hardhat accounts: signing vouchers without a round trip.
  const signers = await ethers.getSigners();
  const wallet = (address: string) => {
    const i = signers.findIndex((s) => s.address === address);
    return HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
  };
  return {
    ...f,
    other,
    clients: [client, client2],
    miners: [miner, miner2],
    clientKeys: [wallet(client.address), wallet(client2.address)],
  };
}

/** The reference model of one run. */
export interface Model {
  escrow: bigint[]; // free, per client
  allotted: bigint[][]; // per client, per miner
  unallotting: (bigint | undefined)[][]; // amount asked back, per client and miner
  thaw: bigint[];
  thawing: boolean[];
  signed: Map<string, bigint[]>; // key -> every cumulative amount signed, ascending
  redeemed: Map<string, bigint>;
  unclaimed: Map<string, bigint>;
  pendingBurn: bigint;
  burned: bigint;
  minted: bigint;
  treasuryCredit: bigint;
  royaltyCredit: bigint;
}

export const keyOf = (c: number, m: number, tier: number) => `${c}:${m}:${tier}`;

/** The `pick`-th key signed so far (modulo their number), with its vouchers. */
export function pickKey(model: Model, pick: number): [{ c: number; m: number; tier: number }, bigint[]] | undefined {
  const keys = [...model.signed.keys()];
  if (keys.length === 0) return undefined;
  const k = keys[pick % keys.length]!;
  const [c, m, tier] = k.split(":").map(Number) as [number, number, number];
  return [{ c, m, tier }, model.signed.get(k)!];
}

/** Asserts that `call` reverts with Billing's custom error `name` (as a static call: no transaction). */
export async function reverts(contract: BaseContract, call: () => Promise<unknown>, name: string): Promise<void> {
  try {
    await call();
  } catch (err) {
    const data = (err as { data?: string }).data;
    const parsed = data ? contract.interface.parseError(data) : null;
    if (parsed?.name !== name) throw new Error(`expected ${name}, got ${parsed?.name ?? String(err)}`);
    return;
  }
  throw new Error(`expected ${name}, but the call succeeded`);
}
