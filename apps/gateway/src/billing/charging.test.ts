/**
 * Issue 23's invariant, under concurrency: what a client is charged (what its miners can redeem for
 * answered work) equals the prices of the calls answered to it, exactly, however calls overlap, fail
 * before or after the miner saw them, or are retried on another miner. The gateway side is the real
 * ledger on a real Redis (and BillingAccount's signing); the miner side is the miner's real admission
 * (AccessPolicy, VoucherBook, signature checks). Only the chain is a fixed view here: the load test on
 * the real stack reads the chain afterwards.
 */
import fc from "fast-check";
import { Wallet } from "ethers";
import type { Redis } from "ioredis";
import { AccessPolicy, MinerHttpError, VoucherBook, VoucherVerifier, createEcdsa } from "@noosphere/miner";
import type { MinerChainView } from "@noosphere/miner";
import { voucherDomain } from "@noosphere/protocol";
import { BillingAccount } from "./account";
import type { Reservation } from "./account";
import { VoucherLedger } from "./ledger";
import type { GatewayChainView } from "../chain/chain-view";
import type { Keyspace } from "../store/keyspace";
import { testRedis } from "../testing/redis";

const BILLING = "0x0000000000000000000000000000000000000B11";
const CHAIN_ID = 31337;
const PRICE = 1_000n;
const MODEL = "0x" + "ab".repeat(32);
const NETUID = 1;
const TIER = 1;

describe("charged == answered under concurrent calls, failures and retries (real Redis, real miner admission)", () => {
  let redis: Redis;
  let keys: Keyspace;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ redis, keys, cleanup } = await testRedis()));
  afterAll(async () => cleanup());

  const gatewayKey = Wallet.createRandom();
  const minerKeys = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
  const domain = voucherDomain(CHAIN_ID, BILLING);

  /** The chain as both sides see it: plenty allotted, nothing redeemed yet, a fixed price. */
  function chainViews(client: string) {
    const gatewayChain: GatewayChainView = {
      chainId: CHAIN_ID,
      billingAddress: BILLING,
      subnetsAddress: BILLING,
      subnets: async () => [],
      neurons: async () => [],
      tierTerms: async () => ({ price: PRICE, maxInputTokens: 200, maxOutputTokens: 100 }),
      blockNumber: async () => 1,
      escrow: async () => ({ balance: 0n, thawing: 0n }),
      redeemed: async () => 0n,
      allotment: async () => ({ amount: 10n ** 18n, thawing: 0n }),
      isAuthorizedSigner: async (c, s) => c === client && s === gatewayKey.address,
    };
    const minerChain: MinerChainView = {
      isPermittedValidator: async () => false,
      allotmentOf: async () => 10n ** 18n,
      redeemedFrom: async () => 0n,
      isActiveSigner: async (_c, s) => s === gatewayKey.address,
      pricePerRequest: async () => PRICE,
      limits: async () => ({ maxInputTokens: 200, maxOutputTokens: 100 }),
    };
    return { gatewayChain, minerChain };
  }

  type Fate = "answered" | "lost-before-miner" | "failed-at-miner" | "answered-but-timed-out";
  const fate: fc.Arbitrary<Fate> = fc.constantFrom(
    "answered",
    "answered",
    "lost-before-miner",
    "failed-at-miner",
    "answered-but-timed-out",
  );
  const call = fc.record({ miner: fc.nat(2), fates: fc.array(fate, { minLength: 1, maxLength: 2 }), delay: fc.nat(6) });

  it("holds on random batches of overlapping calls", async () => {
    const ecdsa = createEcdsa();
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 24 }), async (calls) => {
        const client = Wallet.createRandom().address;
        const { gatewayChain, minerChain } = chainViews(client);
        const ledger = new VoucherLedger(redis, keys, CHAIN_ID, BILLING, client);
        const account = new BillingAccount({
          chain: gatewayChain,
          ledger,
          signer: gatewayKey,
          signerAddress: gatewayKey.address,
          client,
        });
        const books = minerKeys.map(() => new VoucherBook());
        const policies = minerKeys.map(
          (m, i) =>
            new AccessPolicy({
              chain: minerChain,
              book: books[i]!,
              verifier: new VoucherVerifier(domain, ecdsa),
              miner: m.address,
              netuid: NETUID,
              tier: TIER,
              modelHash: MODEL,
            }),
        );
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
        let answeredToClient = 0n;
        let workDone = 0n; // answered by a miner, whether or not the client got it

        /** One attempt on miner `i` with the fate given; true if the client got the answer. */
        const attempt = async (i: number, f: Fate, delay: number): Promise<boolean> => {
          const slot = { miner: minerKeys[i]!.address, netuid: NETUID, tier: TIER };
          let r: Reservation = await account.reserve(slot, PRICE, MODEL);
          for (let resync = 0; ; resync++) {
            await sleep(delay);
            if (f === "lost-before-miner") break;
            let grant;
            try {
              const held = await policies[i]!.precheck(gatewayKey.address, r.header);
              grant = await policies[i]!.admit(gatewayKey.address, held);
            } catch (err) {
              const e = err as MinerHttpError;
              if (e.code !== "voucher-too-low") throw err;
              if (resync > 0) break; // the dispatcher resyncs once, then counts the miner as failed

              // What the dispatcher does: catch up only with the voucher the miner proves, then ask again.
              await account.release(r);
              if (!(await account.catchUp(slot, e.details.held))) throw new Error("miner proved nothing");
              r = await account.reserve(slot, PRICE, MODEL);
              continue;
            }
            await sleep(delay);
            if (f === "failed-at-miner") {
              grant.release();
              break;
            }
            grant.answered();
            workDone += PRICE;
            if (f === "answered-but-timed-out") break;
            return true;
          }
          await account.release(r);
          return false;
        };

        await Promise.all(
          calls.map(async (c) => {
            for (const [k, f] of c.fates.entries()) {
              // A retry goes to the next miner, as the dispatcher's failover does.
              if (await attempt((c.miner + k) % minerKeys.length, f, c.delay)) {
                answeredToClient += PRICE;
                return;
              }
            }
          }),
        );
        // What the miners can redeem: what their answered work earned, each voucher up to that.
        let redeemable = 0n;
        for (const book of books) {
          for (const r of book.unredeemed()) {
            expect(r.upTo).toBeLessThanOrEqual(r.voucher.cumulativeAmount);
            redeemable += r.upTo;
          }
        }
        // A miner is paid for the work it did; the client is charged for nothing else: exactly its answers,
        // plus those a miner finished after the gateway had given up on them (the work was done).
        expect(redeemable).toBe(workDone);
        const timedOut = calls.reduce((n, c) => n + c.fates.filter((f) => f === "answered-but-timed-out").length, 0);
        expect(workDone - answeredToClient).toBeLessThanOrEqual(BigInt(timedOut) * PRICE);
        // And the gateway holds no more of the escrow spoken for than that: each failed call's price came
        // back (lowered at the top of its slot, else as credit), none stays locked. (Less only by answers
        // it gave up on, until the miner's next voucher-too-low proves them.)
        let spokenFor = 0n;
        for (const m of minerKeys) {
          const st = await ledger.state({ miner: m.address, netuid: NETUID, tier: TIER });
          spokenFor += st.cumulative - st.credit;
        }
        expect(spokenFor).toBeLessThanOrEqual(workDone);
        expect(spokenFor).toBeGreaterThanOrEqual(workDone - BigInt(timedOut) * PRICE);
      }),
      { numRuns: 60 },
    );
  });
});
