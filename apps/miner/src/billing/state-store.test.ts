import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Voucher } from "@noosphere/protocol";
import { MinerStateStore } from "./state-store";

const client = "0x00000000000000000000000000000000000000c1";
const held = (cumulativeAmount: bigint) => ({
  voucher: {
    client,
    miner: "0x00000000000000000000000000000000000000a1",
    netuid: 1,
    tier: 1,
    model: "0x" + "00".repeat(32),
    cumulativeAmount,
  } satisfies Voucher,
  signature: "0x" + "11".repeat(65),
  signer: "0x00000000000000000000000000000000000000b1",
});

describe("MinerStateStore (a real file)", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-state-"));
    file = path.join(dir, "nested", "state.jsonl");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads back the highest voucher, what answered work earned, and live nonces only", () => {
    let now = 1_000;
    const { store } = MinerStateStore.open(file, { nowSeconds: () => now });
    store.answered(held(10n), 10n);
    store.answered(held(30n), 20n); // a voucher that also covered a request that failed
    store.answered(held(20n), 25n); // a lower voucher arriving later: the higher one is kept, earned rises
    store.nonce(client, 7n, 1_100);
    store.nonce(client, 8n, 1_500);
    // No close(): the process is killed. What was written reached the kernel.
    now = 1_200;
    const { store: again, state } = MinerStateStore.open(file, { nowSeconds: () => now });
    const kept = state.vouchers.get(client)!;
    expect([kept.held.voucher.cumulativeAmount, kept.earned, kept.held.signer]).toEqual([30n, 25n, held(1n).signer]);
    expect([...state.nonces]).toEqual([[`${client}:8`, 1_500]]);
    again.close();
    store.close();
  });

  it("skips a line cut short by a crash, and compacts the file once it grows", () => {
    const { store } = MinerStateStore.open(file, { compactAfterLines: 10 });
    store.answered(held(5n), 5n);
    store.close();
    fs.appendFileSync(file, '{"t":"a","v":"{\\"client');
    const { store: again, state } = MinerStateStore.open(file, { compactAfterLines: 10 });
    expect(state.vouchers.get(client)?.earned).toBe(5n);
    const deadline = Math.floor(Date.now() / 1000) + 600;
    for (let i = 1; i <= 25; i++) again.answered(held(5n + BigInt(i)), 5n + BigInt(i));
    again.nonce(client, 1n, deadline);
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    expect(lines.length).toBeLessThan(10); // rewritten from the live state on the way (one voucher line)
    again.close();
    const { store: third, state: back } = MinerStateStore.open(file);
    expect(back.nonces.size).toBe(1);
    expect(back.vouchers.get(client)?.held.voucher.cumulativeAmount).toBe(30n);
    third.close();
  });
});
