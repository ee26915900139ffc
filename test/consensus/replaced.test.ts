import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { readEpochOutput, runEpochToEnd } from "./reference";
import { mineTo } from "./scenario";
import { createSubnet, deployWorld, hotkeyAddress, setStakes, type World } from "./world";

const ONE = 10n ** 18n;
const NETUID = 4;
const TEMPO = 10;

/**
 * The audit's "bonds inherited by a new UID holder": a validator's UID taken over by a new hotkey (a
 * prune and re-registration) used to keep its predecessor's bond row and permit for one epoch, so the
 * newcomer collected dividends without ever setting weights. Permits and bonds now belong to the
 * holder the last epoch START saw.
 */
describe("Consensus: a replaced validator's bonds and permit", function () {
  this.timeout(120_000);

  /** Validators UID 0 and 1 (equal stake, weights and bonds on miner UID 2), one epoch run. */
  async function twoValidatorsFixture() {
    const w = await deployWorld();
    const hotkeys = await createSubnet(w, { netuid: NETUID, neurons: 3, tempo: TEMPO });
    await setStakes(w, hotkeys, [1_000n * ONE, 1_000n * ONE, 0n]);
    const block = await w.consensus.runner!.provider!.getBlockNumber();
    for (const uid of [0, 1]) {
      const registered = await w.subnets.registeredAt(NETUID, uid);
      await (await w.consensus.testSetRow(NETUID, uid, [0, 0, 65_535], block, registered)).wait();
      await (await w.consensus.testSetBonds(NETUID, uid, [0, 0, 30_000])).wait();
    }
    await (await w.consensus.testSetPermits(NETUID, 0b11n)).wait();
    await (await w.emission.addAccrued(NETUID, 100n * ONE)).wait();
    await runEpochToEnd(w, NETUID);
    return { w, hotkeys };
  }

  async function nextEpoch(w: World) {
    const [, start] = await w.consensus.epochStatus(NETUID);
    await mineTo(Number(start) + TEMPO);
    await (await w.emission.addAccrued(NETUID, 100n * ONE)).wait();
    await runEpochToEnd(w, NETUID);
    return readEpochOutput(w, NETUID, 3);
  }

  it("both validators earn dividends while nothing changes", async function () {
    const { w } = await loadFixture(twoValidatorsFixture);
    const out = await nextEpoch(w);
    expect(out.dividends[0]).to.equal(out.dividends[1]);
    expect(out.dividends[0]! > 0n).to.equal(true);
  });

  it("the newcomer gets no dividends, no permit in force and an empty bond row", async function () {
    const { w } = await loadFixture(twoValidatorsFixture);
    const newcomer = hotkeyAddress(NETUID, 777);
    await (await w.subnets.replace(NETUID, 0, newcomer)).wait();
    await setStakes(w, [newcomer], [1_000n * ONE]);
    const earnedBefore = await w.staking.earnedOf(newcomer);
    const out = await nextEpoch(w);
    expect(out.dividends[0]).to.equal(0n);
    expect(out.dividends[1]! > 0n).to.equal(true);
    expect(await w.consensus.bondsRow(NETUID, 0, 3)).to.deep.equal([0n, 0n, 0n]);
    const [uids] = await w.consensus.validators(NETUID);
    expect(uids.map(Number)).to.deep.equal([1]);
    expect((await w.staking.earnedOf(newcomer)) - earnedBefore).to.equal(out.minerEmission[0]);
    // The START just run saw the newcomer: it holds a permit from now on and may set weights.
    const [next] = await w.consensus.permits(NETUID);
    expect(next & 1n).to.equal(1n);
  });
});
