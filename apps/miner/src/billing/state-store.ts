import { closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import { decodeVoucherHeader, encodeVoucherHeader } from "@noosphere/protocol";
import type { HeldVoucher } from "./voucher-book";

/** What a miner must not forget across a restart or a kill -9. */
export interface MinerState {
  /** Per client: the highest voucher of answered work and what that work earned (cumulative). */
  vouchers: Map<string, { held: HeldVoucher; earned: bigint }>;
  /** Request nonces consumed and not yet past their deadline ("caller:nonce" -> deadline, seconds). */
  nonces: Map<string, number>;
}

type Line = { t: "a"; v: string; e: string; s?: string } | { t: "n"; k: string; d: number };

export interface MinerStateStoreOptions {
  /** Seconds between fdatasync calls (writes reach the kernel at once; default 1). */
  syncSeconds?: number;
  /** Rewrite the file from the live state once it holds this many lines, or twice the live ones (default 100,000). */
  compactAfterLines?: number;
  nowSeconds?: () => number;
}

/**
 * An append-only JSON-lines file of answered vouchers and consumed nonces. Each record is written
 * (a `write` to the kernel, which survives the process being killed) before the answer or the request
 * goes on; the file is fdatasync'd every `syncSeconds` (a power cut loses at most that much) and
 * rewritten from the live state when it grows. Without it, a miner killed with -9 forgot every voucher
 * it had not redeemed yet (the work was unpaid) and every nonce (a replay within the deadline was
 * served again).
 */
export class MinerStateStore {
  private fd: number;
  private lines = 0;
  private compactAt = 0;
  private dirty = false;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;

  private constructor(
    readonly file: string,
    private readonly state: MinerState,
    private readonly opts: MinerStateStoreOptions,
  ) {
    this.now = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.fd = this.rewrite();
    this.timer = setInterval(() => this.sync(), (opts.syncSeconds ?? 1) * 1000);
    this.timer.unref();
  }

  /** Opens (or creates) `file`, reading back what it holds: expired nonces are dropped. */
  static open(file: string, opts: MinerStateStoreOptions = {}): { store: MinerStateStore; state: MinerState } {
    mkdirSync(path.dirname(file), { recursive: true });
    const state: MinerState = { vouchers: new Map(), nonces: new Map() };
    const now = (opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000)))();
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    for (const raw of text.split("\n")) {
      const line = parse(raw);
      if (line?.t === "a") {
        const held: HeldVoucher = { ...decodeVoucherHeader(line.v), signer: line.s };
        const key = held.voucher.client.toLowerCase();
        const kept = state.vouchers.get(key);
        const earned = BigInt(line.e);
        if (!kept || held.voucher.cumulativeAmount >= kept.held.voucher.cumulativeAmount) {
          state.vouchers.set(key, { held, earned: kept && kept.earned > earned ? kept.earned : earned });
        }
      } else if (line?.t === "n" && line.d >= now) {
        state.nonces.set(line.k, line.d);
      }
    }
    const store = new MinerStateStore(file, state, opts);
    return { store, state };
  }

  /** Records an answered request's voucher and what the client's answered work earned with it. */
  answered(held: HeldVoucher, earned: bigint): void {
    const key = held.voucher.client.toLowerCase();
    const kept = this.state.vouchers.get(key);
    if (!kept || held.voucher.cumulativeAmount >= kept.held.voucher.cumulativeAmount || earned > kept.earned) {
      const best = kept && kept.held.voucher.cumulativeAmount > held.voucher.cumulativeAmount ? kept.held : held;
      this.state.vouchers.set(key, { held: best, earned });
      this.append(answerLine(best, earned));
    }
  }

  /** Records a consumed nonce until its deadline. */
  nonce(caller: string, nonce: bigint, deadline: number): void {
    const key = `${caller.toLowerCase()}:${nonce}`;
    this.state.nonces.set(key, deadline);
    this.append({ t: "n", k: key, d: deadline });
  }

  /** Nonces consumed and not yet past their deadline ("caller:nonce" -> deadline). */
  liveNonces(): ReadonlyMap<string, number> {
    return this.state.nonces;
  }

  /** Flushes to disk and closes the file. */
  close(): void {
    clearInterval(this.timer);
    this.sync();
    closeSync(this.fd);
  }

  private append(line: Line): void {
    writeSync(this.fd, JSON.stringify(line) + "\n");
    this.dirty = true;
    if (++this.lines >= this.compactAt) {
      closeSync(this.fd);
      this.fd = this.rewrite();
    }
  }

  private sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    fdatasyncSync(this.fd);
  }

  /** Writes the live state to a new file, swaps it in (atomic rename) and returns it opened for appending. */
  private rewrite(): number {
    const now = this.now();
    for (const [key, deadline] of this.state.nonces) if (deadline < now) this.state.nonces.delete(key);
    const out: string[] = [];
    for (const { held, earned } of this.state.vouchers.values()) {
      out.push(JSON.stringify(answerLine(held, earned)));
    }
    for (const [k, d] of this.state.nonces) out.push(JSON.stringify({ t: "n", k, d }));
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, "w");
    if (out.length > 0) writeSync(fd, out.join("\n") + "\n");
    fdatasyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
    this.lines = out.length;
    // Compact again once as many lines again were appended (never on every append of a large live set).
    this.compactAt = Math.max(this.opts.compactAfterLines ?? 100_000, 2 * out.length);
    return openSync(this.file, "a");
  }
}

function answerLine(held: HeldVoucher, earned: bigint): Line {
  return { t: "a", v: encodeVoucherHeader(held.voucher, held.signature), e: earned.toString(), s: held.signer };
}

function parse(raw: string): Line | undefined {
  if (raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw) as Line;
  } catch {
    return undefined; // a line cut short by a crash mid-write
  }
}
