import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { mine, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse, Log } from "ethers";
import type { INoosToken, Staking } from "@noosphere/contracts";
import { VIRTUAL_SHARES, deployTestToken, toAssets, toShares } from "./fixtures";
import { configureStaking, deployStaking, grantStakingRewarder } from "@noosphere/deploy";

// Random sequences of every state-changing call over 4 accounts and 2 hotkeys, checked against an exact
// TypeScript model of the contract after every step:
//  (a) token.balanceOf(staking) == totalPooled + totalClaimable + totalThawing;
//  (b) no account ever gets more than it is owed: claims equal what was credited to it, and what it takes
//      out of a pool never exceeds what it delegated plus its pro-rata share of the pool's rewards plus the
//      rounding dust others left (< one share's price per delegation, < 1 wei per undelegation of others);
//  (c) rounding never favours the caller: a delegation mints at most amount / price shares, an undelegation
//      pays at most shares x price (and at most its pro-rata part of the real pool), so the price of a share
//      never goes down.

import {
  RUNS,
  MIN,
  COOLDOWN,
  ACTORS,
  OWNER_OF,
  FULL,
  actionArb,
  ceilDiv,
  revertName,
  eventArgs,
  Model,
} from "./property-model";
import type { Action, Pool } from "./property-model";

describe("Staking: property (fast-check, random call sequences)", function () {
  this.timeout(600_000);

  it(`keeps the books exact and never pays anyone more than owed (${RUNS} runs)`, async function () {
    const signers = await ethers.getSigners();
    const [admin, rewarder, hk0, hk1, ...rest] = signers;
    const actors = rest.slice(0, ACTORS);
    if (!admin || !rewarder || !hk0 || !hk1 || actors.length < ACTORS) throw new Error("not enough signers");
    const { token, mint } = await deployTestToken(admin);
    const staking = await deployStaking(admin, { token: await token.getAddress(), admin: admin.address });
    await configureStaking(staking, { minDelegation: MIN, unstakeCooldownBlocks: COOLDOWN });
    await grantStakingRewarder(staking, rewarder.address);
    const hotkeys = [hk0, hk1];
    await staking.connect(hk0).registerHotkey(actors[OWNER_OF[0]!]!.address);
    await staking.connect(hk1).registerHotkey(actors[OWNER_OF[1]!]!.address);
    await staking.connect(actors[OWNER_OF[1]!]!).decreaseTake(hk1.address, 500);
    const stakingAddress = await staking.getAddress();
    for (const s of [rewarder, ...actors]) {
      await mint(s.address, 2n * 10n ** 24n); // the real token is capped at 21M NOOS
      await token.connect(s).approve(stakingAddress, ethers.MaxUint256);
    }
    // Every run starts from the same populated state, built through the model: positions in both pools,
    // rewards paid, thaw requests of which the first are ready, claimable balances.
    const outcomes = new Map<string, number>();
    const start = new Model(BigInt(await ethers.provider.getBlockNumber()));
    const E = (n: string) => ethers.parseEther(n);
    const setup: Action[] = [
      ...[0, 1, 2, 3].flatMap((a): Action[] => [
        { kind: "delegate", actor: a, hotkey: 0, amount: E(String(a + 1)) + BigInt(a) },
        { kind: "delegate", actor: a, hotkey: 1, amount: 10_000n * BigInt(a + 1) + 7n },
      ]),
      { kind: "batch", incentives: [E("1"), 3n], dividends: [E("0.7") + 1n, 12_345n] },
      ...[0, 1, 2, 3].map((a): Action => ({
        kind: "undelegate",
        actor: a,
        hotkey: 0,
        pick: null,
        part: 250_000n,
        slip: false,
      })),
      { kind: "mine", blocks: Number(COOLDOWN) },
      ...[2, 3].map((a): Action => ({
        kind: "undelegate",
        actor: a,
        hotkey: 1,
        pick: null,
        part: 500_000n,
        slip: false,
      })),
      { kind: "credit", actor: 2, amount: 5n },
    ];
    let chainPools = start.pools.map((p) => ({ ...p }));
    for (const action of setup) {
      await step(outcomes, staking, start, action, actors, hotkeys, rewarder);
      chainPools = await checkInvariants(staking, token, start, chainPools, hotkeys);
    }
    outcomes.clear();
    const snapshot = await takeSnapshot();

    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 8 }), async (actions) => {
        await snapshot.restore();
        const m = start.clone();
        let chainPools = m.pools.map((p) => ({ ...p }));
        for (const action of actions) {
          await step(outcomes, staking, m, action, actors, hotkeys, rewarder);
          chainPools = await checkInvariants(staking, token, m, chainPools, hotkeys);
        }
        // the per-account state matches the model
        const reads = await Promise.all([
          ...actors.map((a) => staking.claimable(a.address)),
          ...hotkeys.flatMap((h) => actors.map((a) => staking.sharesOf(h.address, a.address))),
        ]);
        expect(reads).to.deep.equal([...m.claimable, ...m.shares.flat()]);
      }),
      { numRuns: RUNS },
    );
    const summary = [...outcomes.entries()].sort().map(([k, n]) => `${k} ${n}`);
    console.log(`      outcomes: ${summary.join(", ")}`);
    // every kind of call succeeded many times, and the expected reverts were all reached
    for (const kind of [
      "delegate",
      "undelegate",
      "withdraw",
      "distribute",
      "batch",
      "credit",
      "claim",
      "decreaseTake",
    ]) {
      expect(outcomes.get(`${kind}:ok`) ?? 0, kind).to.be.gte(50);
    }
    for (const error of [
      "StakingBelowMinDelegation",
      "StakingZeroShares",
      "StakingInsufficientShares",
      "StakingSlippage",
      "StakingNothingToWithdraw",
      "StakingNothingToClaim",
    ]) {
      expect(
        [...outcomes.keys()].some((k) => k.endsWith(`:${error}`)),
        error,
      ).to.equal(true);
    }
  });
});

async function step(
  outcomes: Map<string, number>,
  staking: Staking,
  m: Model,
  action: Action,
  actors: Awaited<ReturnType<typeof ethers.getSigners>>,
  hotkeys: Awaited<ReturnType<typeof ethers.getSigners>>,
  rewarder: Awaited<ReturnType<typeof ethers.getSigners>>[number],
): Promise<void> {
  const pending = { blockTag: "pending" as const };
  const next = m.block + 1n;
  // sends the transaction when the model expects success, or checks the revert when it expects one
  const run = async (
    expected: string | null,
    send: () => Promise<ContractTransactionResponse>,
    check: () => Promise<unknown>,
  ): Promise<readonly Log[]> => {
    const key = `${action.kind}:${expected ?? "ok"}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    if (expected !== null) {
      expect(await revertName(staking, check()), JSON.stringify(action, bigintJson)).to.equal(expected);
      return [];
    }
    const receipt = (await (await send()).wait())!;
    expect(BigInt(receipt.blockNumber)).to.equal(next);
    m.block = next;
    return receipt.logs;
  };

  switch (action.kind) {
    case "delegate": {
      const { actor: a, hotkey: h, amount: x } = action;
      const pool = m.pools[h]!;
      const shares = toShares(x, pool.pooled, pool.shares);
      const expected =
        x === 0n
          ? "StakingZeroAmount"
          : x < MIN
            ? "StakingBelowMinDelegation"
            : shares === 0n
              ? "StakingZeroShares"
              : null;
      const s = staking.connect(actors[a]!);
      const logs = await run(
        expected,
        () => s.delegate(hotkeys[h]!.address, x, shares),
        () => s.delegate.staticCall(hotkeys[h]!.address, x, 0, pending),
      );
      if (expected !== null) return;
      expect(eventArgs(staking, logs, "Delegated")).to.deep.equal([[x, shares]]);
      // (c) no more shares than the amount buys at the pool's price
      expect(shares * (pool.pooled + 1n)).to.be.lte(x * (pool.shares + VIRTUAL_SHARES));
      // (b) the others' position may gain this delegation's rounding: < one share's price
      for (let b = 0; b < ACTORS; b++) {
        if (b !== a && m.shares[h]![b]! > 0n)
          m.allowance[h]![b]! += ceilDiv(pool.pooled + 1n, pool.shares + VIRTUAL_SHARES);
      }
      pool.pooled += x;
      pool.shares += shares;
      m.shares[h]![a]! += shares;
      m.deposited[h]![a]! += x;
      m.totals.pooled += x;
      return;
    }
    case "undelegate": {
      const { part, slip } = action;
      const held = [0, 1].flatMap((h) =>
        [...Array(ACTORS).keys()].filter((a) => m.shares[h]![a]! > 0n).map((a) => [h, a]),
      );
      const [h, a] =
        action.pick !== null && held.length > 0 ? held[action.pick % held.length]! : [action.hotkey, action.actor];
      if (h === undefined || a === undefined) throw new Error("unreachable");
      const pool = m.pools[h]!;
      const position = m.shares[h]![a]!;
      const shares = part > FULL ? position + 1n : (position * part) / FULL;
      const out = toAssets(shares, pool.pooled, pool.shares);
      let expected: string | null = null;
      if (shares > position) expected = "StakingInsufficientShares";
      else if (shares === 0n || out === 0n) expected = "StakingZeroAmount";
      else if (slip) expected = "StakingSlippage";
      else if (position > shares && toAssets(position - shares, pool.pooled - out, pool.shares - shares) < MIN) {
        expected = "StakingBelowMinDelegation";
      }
      const s = staking.connect(actors[a]!);
      const logs = await run(
        expected,
        () => s.undelegate(hotkeys[h]!.address, shares, out),
        () => s.undelegate.staticCall(hotkeys[h]!.address, shares, slip ? out + 1n : 0n, pending),
      );
      if (expected !== null) return;
      expect(eventArgs(staking, logs, "Undelegated")).to.deep.equal([[shares, out, m.nextId[a]!, next + COOLDOWN]]);
      m.nextId[a]! += 1n;
      // (c) the payout is at most the shares' value at the pool's price, and at most their real pro-rata part
      expect(out * (pool.shares + VIRTUAL_SHARES)).to.be.lte(shares * (pool.pooled + 1n));
      expect(out * pool.shares).to.be.lte(shares * pool.pooled);
      // (b) never more out of the pool than put in plus rewards and dust owed
      m.takenOut[h]![a]! += out;
      expect(m.takenOut[h]![a]!).to.be.lte(m.deposited[h]![a]! + m.allowance[h]![a]!);
      for (let b = 0; b < ACTORS; b++) {
        if (b !== a && m.shares[h]![b]! > 0n) m.allowance[h]![b]! += 1n; // this payout's rounding: < 1 wei
      }
      pool.pooled -= out;
      pool.shares -= shares;
      m.shares[h]![a]! -= shares;
      m.totals.pooled -= out;
      m.totals.thawing += out;
      m.queues[a]!.push({ amount: out, ready: next + COOLDOWN });
      return;
    }
    case "withdraw": {
      const { max } = action;
      const waiting = [...Array(ACTORS).keys()].filter((b) => m.queues[b]!.length > 0);
      const a = action.pick !== null && waiting.length > 0 ? waiting[action.pick % waiting.length]! : action.actor;
      const queue = m.queues[a]!;
      let count = 0;
      let total = 0n;
      while (count < max && count < queue.length && queue[count]!.ready <= next) total += queue[count++]!.amount;
      const s = staking.connect(actors[a]!);
      const logs = await run(
        count === 0 ? "StakingNothingToWithdraw" : null,
        () => s.withdraw(max),
        () => s.withdraw.staticCall(max, pending),
      );
      if (count === 0) return;
      expect(eventArgs(staking, logs, "Withdrawn")).to.deep.equal([[total, BigInt(count)]]);
      queue.splice(0, count);
      m.totals.thawing -= total;
      return;
    }
    case "distribute": {
      const { hotkey: h, incentive, dividends } = action;
      const logs = await run(
        null,
        () => staking.connect(rewarder).distribute(hotkeys[h]!.address, incentive, dividends),
        async () => undefined,
      );
      const events = eventArgs(staking, logs, "Distributed");
      if (incentive === 0n && dividends === 0n) {
        expect(events).to.have.length(0);
        return;
      }
      const ownerTake = m.reward(h, incentive, dividends);
      expect(events).to.deep.equal([[incentive, dividends, ownerTake]]);
      return;
    }
    case "batch": {
      const { incentives, dividends } = action;
      const logs = await run(
        null,
        () =>
          staking.connect(rewarder).distributeBatch(
            hotkeys.slice(0, 2).map((h) => h.address),
            incentives,
            dividends,
          ),
        async () => undefined,
      );
      const expected: bigint[][] = [];
      for (const h of [0, 1]) {
        if (incentives[h] === 0n && dividends[h] === 0n) continue;
        expected.push([incentives[h]!, dividends[h]!, m.reward(h, incentives[h]!, dividends[h]!)]);
      }
      expect(eventArgs(staking, logs, "Distributed")).to.deep.equal(expected);
      return;
    }
    case "credit": {
      const { actor: a, amount: x } = action;
      const logs = await run(
        null,
        () => staking.connect(rewarder).credit(actors[a]!.address, x),
        async () => undefined,
      );
      expect(eventArgs(staking, logs, "Credited")).to.deep.equal(x === 0n ? [] : [[x]]);
      m.claimable[a]! += x;
      m.credited[a]! += x;
      m.totals.claimable += x;
      return;
    }
    case "claim": {
      const owing = [...Array(ACTORS).keys()].filter((b) => m.claimable[b]! > 0n);
      const a = action.pick !== null && owing.length > 0 ? owing[action.pick % owing.length]! : action.actor;
      const owed = m.claimable[a]!;
      const s = staking.connect(actors[a]!);
      const logs = await run(
        owed === 0n ? "StakingNothingToClaim" : null,
        () => s.claim(),
        () => s.claim.staticCall(pending),
      );
      if (owed === 0n) return;
      expect(eventArgs(staking, logs, "Claimed")).to.deep.equal([[owed]]);
      m.claimed[a]! += owed;
      expect(m.claimed[a]!).to.equal(m.credited[a]!); // (b) a claim pays exactly what was credited
      m.claimable[a] = 0n;
      m.totals.claimable -= owed;
      return;
    }
    case "decreaseTake": {
      const { hotkey: h, take } = action;
      const s = staking.connect(actors[OWNER_OF[h]!]!);
      const expected = take > m.take[h]! ? "StakingTakeAboveCurrent" : null;
      await run(
        expected,
        () => s.decreaseTake(hotkeys[h]!.address, take),
        () => s.decreaseTake.staticCall(hotkeys[h]!.address, take, pending),
      );
      if (expected === null) m.take[h] = take;
      return;
    }
    case "mine": {
      await mine(action.blocks);
      m.block += BigInt(action.blocks);
      return;
    }
  }
}

/** (a) the balance equals the three totals; totals and pools match the model; (c) share prices never fall. */
async function checkInvariants(
  staking: Staking,
  token: INoosToken,
  m: Model,
  before: Pool[],
  hotkeys: Awaited<ReturnType<typeof ethers.getSigners>>,
): Promise<Pool[]> {
  const [balance, totals, p0, p1] = await Promise.all([
    token.balanceOf(staking.target),
    staking.totals(),
    staking.poolOf(hotkeys[0]!.address),
    staking.poolOf(hotkeys[1]!.address),
  ]);
  const [pooled, claimable, thawing] = totals;
  expect(balance).to.equal(pooled + claimable + thawing);
  expect([pooled, claimable, thawing]).to.deep.equal([m.totals.pooled, m.totals.claimable, m.totals.thawing]);
  const pools = [p0, p1].map(([pooledOf, sharesOf]) => ({ pooled: pooledOf, shares: sharesOf }));
  pools.forEach((p, h) => {
    expect(p).to.deep.equal(m.pools[h]);
    const b = before[h]!;
    // price (pooled + 1) / (shares + 1e6) is non-decreasing
    expect((p.pooled + 1n) * (b.shares + VIRTUAL_SHARES)).to.be.gte((b.pooled + 1n) * (p.shares + VIRTUAL_SHARES));
  });
  return pools;
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
