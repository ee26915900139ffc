import { Transaction } from "ethers";
import type { Provider, TransactionReceipt, TransactionRequest, Wallet } from "ethers";
import type { Redis } from "ioredis";

/** Deletes a hash field only if it still holds the given value. */
const COMPARE_AND_DELETE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

/** The transaction was not mined in time (or its nonce went elsewhere): try the job again. */
export class TransactionPendingError extends Error {}

export interface OnceSenderOptions {
  redis: Redis;
  /** Signs transactions (the validator's hotkey). */
  wallet: Wallet;
  provider: Provider;
  /** How long to wait for a receipt before handing back to the job's retry. */
  confirmTimeoutMs: number;
}

/**
 * Sends a transaction at most once per (key, field): the signed transaction is stored in Redis
 * before it is broadcast, and a retry (after a crash, a timeout, in another process) rebroadcasts
 * those same bytes, whose hash is the same, instead of signing a new one. Only when its nonce has
 * been taken by another transaction, so it can never be mined, is it dropped for a new one.
 */
export class OnceSender {
  constructor(private readonly opts: OnceSenderOptions) {
    if (!(opts.redis as unknown as { noosCompareDel?: unknown }).noosCompareDel) {
      opts.redis.defineCommand("noosCompareDel", { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
    }
  }

  /** The signed transaction stored for (key, field), if any. */
  async stored(key: string, field: string): Promise<Transaction | undefined> {
    const raw = await this.opts.redis.hget(key, field);
    return raw ? Transaction.from(raw) : undefined;
  }

  /**
   * Returns the receipt of the (key, field) transaction, building, signing, storing and
   * broadcasting it first if none is stored. `build` runs only then, so it may estimate gas
   * (which surfaces a revert before anything is sent).
   */
  async send(key: string, field: string, build: () => Promise<TransactionRequest>): Promise<TransactionReceipt> {
    const { redis, wallet, provider } = this.opts;
    let raw = await redis.hget(key, field);
    if (!raw) {
      const request = await build();
      const from = await wallet.getAddress();
      const nonce = await provider.getTransactionCount(from, "pending");
      const populated = await wallet.connect(provider).populateTransaction({ ...request, from, nonce });
      const signed = await wallet.signTransaction(populated);
      await redis.hsetnx(key, field, signed);
      raw = (await redis.hget(key, field)) ?? signed; // another process may have stored first: use its
    }
    const tx = Transaction.from(raw);
    const hash = tx.hash as string;
    const mined = await provider.getTransactionReceipt(hash);
    if (mined) return mined;
    const latest = await provider.getTransactionCount(tx.from as string, "latest");
    if (latest > tx.nonce) {
      const late = await provider.getTransactionReceipt(hash);
      if (late) return late;
      await this.forget(key, field, raw);
      throw new TransactionPendingError(
        `nonce ${tx.nonce} of ${hash} was used by another transaction; it will be rebuilt`,
      );
    }
    try {
      await provider.broadcastTransaction(raw);
    } catch (err) {
      if (!isAlreadyKnown(err)) throw err;
      // Known to the node, mined, or its nonce taken by another transaction of the same key
      // (e.g. a second validator process for another subnet): find out which now.
      const done = await provider.getTransactionReceipt(hash);
      if (done) return done;
      if (!(await provider.getTransaction(hash))) {
        const now = await provider.getTransactionCount(tx.from as string, "latest");
        if (now > tx.nonce) {
          await this.forget(key, field, raw);
          throw new TransactionPendingError(
            `nonce ${tx.nonce} of ${hash} was taken by another transaction; it will be rebuilt`,
          );
        }
      }
    }
    const receipt = await provider.waitForTransaction(hash, 1, this.opts.confirmTimeoutMs).catch((err: unknown) => {
      if ((err as { code?: string }).code === "TIMEOUT") return null;
      throw err;
    });
    if (!receipt)
      throw new TransactionPendingError(`transaction ${hash} not mined within ${this.opts.confirmTimeoutMs} ms`);
    return receipt;
  }

  /** Drops the stored transaction (after it reverted) so the next send builds a new one. */
  async forget(key: string, field: string, raw?: string): Promise<void> {
    const value = raw ?? (await this.opts.redis.hget(key, field));
    if (!value) return;
    const cmd = (this.opts.redis as unknown as { noosCompareDel: (k: string, f: string, v: string) => Promise<number> })
      .noosCompareDel;
    await cmd.call(this.opts.redis, key, field, value);
  }
}

function isAlreadyKnown(err: unknown): boolean {
  const msg =
    `${(err as { message?: string }).message ?? ""} ${(err as { shortMessage?: string }).shortMessage ?? ""}`.toLowerCase();
  return /already known|known transaction|nonce too low|nonce has already been used|already imported/.test(msg);
}
