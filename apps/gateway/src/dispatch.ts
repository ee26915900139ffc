import type { Signer, TypedDataDomain } from "ethers";
import { HEADERS, signRequest } from "@noosphere/protocol";
import type { SignedRequest } from "@noosphere/protocol";
import type { Logger } from "@noosphere/node-kit";
import { AllotmentShortError } from "./billing/account";
import type { BillingAccount, Reservation } from "./billing/account";
import { GatewayError, errors } from "./errors";
import type { GatewayMetrics } from "./metrics";
import type { MinerClient, SseEvent } from "./miner-client";
import { MinerUnreachableError } from "./miner-client";
import type { ModelRoute } from "./routing/directory";
import type { KeyAdmission } from "./store/api-keys";
import type { MinerEndpoint, Router } from "./routing/router";

/** What a miner returns with every answer (apps/miner settle()). */
export interface MinerFinal {
  output: unknown;
  outputHash: string;
  requestHash: string;
  owed: string;
  signature: string;
  miner: string;
}

export interface CallPlan {
  route: ModelRoute;
  price: bigint;
  /** The miner's wire body, exactly as signed. */
  body: string;
  stream: boolean;
  signal: AbortSignal;
  /** The request's API key, admitted with the first reservation (one Redis round trip for both). */
  admit?: KeyAdmission;
}

/** A call one miner has accepted. */
export type CallOutcome =
  | {
      kind: "json";
      miner: MinerEndpoint;
      reservation: Reservation;
      final: MinerFinal;
      attempts: number;
      minerMs: number;
    }
  | { kind: "stream"; miner: MinerEndpoint; reservation: Reservation; stream: MinerStream; attempts: number };

export interface DispatcherOptions {
  account: BillingAccount;
  router: Router;
  client: MinerClient;
  /** Signs requests: the key the vouchers are signed with (miners check they are the same). */
  signer: Signer;
  wireDomain: TypedDataDomain;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Whole-answer timeout of a JSON call, and idle timeout of a stream. */
  timeoutMs?: number;
  /** Other miners tried after the first fails (the issue asks for one). */
  maxFailovers?: number;
}

/** Miner error codes that are the caller's fault: relayed, never retried, never held against the miner. */
const CALLER_ERRORS = new Set([400, 413]);

/**
 * Sends one request to the best miner for it and pays for it: reserves the price against the
 * escrow, signs the request and the cumulative voucher, and, if the miner fails, releases the
 * reservation and tries once more on another miner. A miner that says the voucher is too low (it
 * holds a higher one: this gateway lost state, or another signed for the same client) is caught up
 * with and asked again, but only to a voucher it proves (one signed by this client's side). A miner
 * whose allotment is taken is skipped, not blamed (the allotter refills it).
 */
export class Dispatcher {
  private readonly timeoutMs: number;
  private readonly maxFailovers: number;

  constructor(private readonly opts: DispatcherOptions) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.maxFailovers = opts.maxFailovers ?? 1;
  }

  async call(plan: CallPlan): Promise<CallOutcome> {
    const { router, account, metrics, logger } = this.opts;
    const netuid = String(plan.route.netuid);
    const tried = new Set<string>();
    const failures: string[] = [];
    let escrowRefusals = 0;
    let shortAllotments = 0;
    let busy = 0;
    let refilled = false;
    let resynced = false;
    let attempts = 0;
    let admit = plan.admit;
    let miner: MinerEndpoint | undefined;
    for (;;) {
      miner ??= router.pick(plan.route.miners, tried);
      if (!miner) {
        if (shortAllotments > 0 && shortAllotments === tried.size) {
          // Every miner's allotment is taken: refill them from the free escrow once, and try again.
          if (
            !refilled &&
            (await account.refill(
              plan.price,
              plan.route.miners.map((m) => m.hotkey),
            ))
          ) {
            refilled = true;
            tried.clear();
            shortAllotments = 0;
            continue;
          }
          throw await account.exhausted(plan.price);
        }
        // Every miner is at its capacity or said it is busy: shed here (429, retry shortly) rather
        // than retry into full queues (overload used to come out as 503 after futile retries).
        if (router.saturated(plan.route.miners, tried) || (busy > 0 && busy === failures.length)) {
          metrics.shed.inc({ netuid });
          throw errors.overloaded(plan.route.id);
        }
        // Nothing reserved, so the key is unchecked: the app's error handler checks it (a refused key's 401 comes first).
        throw errors.noMiner(
          failures.length === 0
            ? `No live miner serves ${plan.route.id} right now; try again shortly.`
            : `No miner could answer for ${plan.route.id}: ${failures.join("; ")}.`,
        );
      }
      attempts++;
      const slot = { miner: miner.hotkey, netuid: miner.netuid, tier: miner.tier };
      // Reserve the price (Redis) and sign the request meanwhile (the signature does not depend on it).
      const reserving = account.reserve(slot, plan.price, miner.modelHash, admit);
      const signing = signRequest(this.opts.signer, this.opts.wireDomain, {
        miner: miner.hotkey,
        netuid: miner.netuid,
        body: plan.body,
      });
      const [reserved, signed] = await Promise.allSettled([reserving, signing]);
      if (reserved.status === "rejected") {
        if (!(reserved.reason instanceof AllotmentShortError)) throw reserved.reason;
        // This miner's allotment is taken: another miner's may not be (the key was admitted by then).
        admit = undefined;
        shortAllotments++;
        tried.add(miner.key);
        miner = undefined;
        continue;
      }
      admit = undefined; // admitted once: a retry takes no second request from the rate limit
      const reservation = reserved.value;
      if (signed.status === "rejected") {
        await account.release(reservation);
        throw signed.reason;
      }
      const started = performance.now();
      let failure: { reason: string; cooldown: boolean };
      const key = miner.key;
      router.scoreboard.begin(key);
      let ended = false;
      const end = () => {
        if (!ended) router.scoreboard.end(key);
        ended = true;
      };
      try {
        const outcome = await this.send(miner, plan, reservation, signed.value);
        if (outcome.kind === "ok-json" || outcome.kind === "ok-stream") {
          if (outcome.kind === "ok-json") {
            end();
            const minerMs = performance.now() - started;
            router.scoreboard.success(miner.key, minerMs);
            metrics.upstreamLatency.observe({ netuid }, minerMs / 1000);
            return { kind: "json", miner, reservation, final: outcome.final, attempts, minerMs };
          }
          return {
            kind: "stream",
            miner,
            reservation,
            attempts,
            stream: new MinerStream(outcome.events, outcome.close, async (ok, reason) => {
              end();
              if (ok) {
                router.scoreboard.success(miner!.key, performance.now() - started);
                metrics.upstreamLatency.observe({ netuid }, (performance.now() - started) / 1000);
              } else {
                await account.release(reservation);
                if (!plan.signal.aborted) {
                  router.scoreboard.failure(miner!.key);
                  metrics.minerFailures.inc({ netuid, reason: "stream-broken" });
                  logger.warn({ miner: miner!.url, reason }, "miner stream broke");
                }
              }
            }),
          };
        }
        end();
        await account.release(reservation);
        const { status, code, message } = outcome;
        if (CALLER_ERRORS.has(status)) throw relayCallerError(status, code, message);
        if (status === 403 && code === "voucher-too-low" && !resynced) {
          resynced = true;
          if (await account.catchUp(slot, outcome.held)) {
            logger.info({ miner: miner.url }, "caught up with the voucher a miner holds");
            continue; // same miner
          }
          logger.warn({ miner: miner.url }, "a miner said our voucher was too low without proving a higher one");
        }
        if (status === 403 && code === "unauthorized-signer") {
          throw errors.internal(`The gateway's key may not sign for its client: ${message}`);
        }
        // A miner that says the escrow is short reads it from a cache the gateway's own fresh check
        // just beat (e.g. right after a deposit): not the miner's fault, and another may know better.
        const stale = status === 403 && code === "insufficient-escrow";
        if (stale) escrowRefusals++;
        if (status === 429) {
          // Busy, not broken: paused briefly, its record untouched.
          busy++;
          router.scoreboard.overloaded(key, Math.min(5_000, 1_000 * (outcome.retryAfter ?? 1)));
          failures.push(`uid ${miner.uid} (429 ${code})`);
          tried.add(key);
          miner = undefined;
          continue;
        }
        failure = { reason: `${status} ${code}: ${message}`, cooldown: !stale };
      } catch (err) {
        end();
        if (err instanceof GatewayError) throw err;
        await account.release(reservation);
        if (plan.signal.aborted) throw errors.invalidRequest("The client closed the request.");
        failure = {
          reason: err instanceof MinerUnreachableError ? err.reason : (err as Error).message,
          cooldown: true,
        };
      }
      const failed: MinerEndpoint = miner!;
      router.scoreboard.failure(key, { cooldown: failure.cooldown });
      metrics.minerFailures.inc({ netuid, reason: failure.reason.split(":")[0]!.slice(0, 40) });
      logger.warn({ miner: failed.url, uid: failed.uid, reason: failure.reason }, "miner call failed");
      failures.push(`uid ${failed.uid} (${failure.reason})`);
      tried.add(key);
      miner = undefined;
      if (tried.size - busy - shortAllotments > this.maxFailovers || !router.pick(plan.route.miners, tried)) {
        if (escrowRefusals === failures.length) {
          throw errors.insufficientQuota(`The miners refused the client's escrow as too low: ${failures.join("; ")}.`);
        }
        if (router.saturated(plan.route.miners, tried)) {
          metrics.shed.inc({ netuid });
          throw errors.overloaded(plan.route.id);
        }
        throw errors.noMiner(`No miner could answer for ${plan.route.id}: ${failures.join("; ")}.`);
      }
      metrics.retries.inc({ netuid });
    }
  }

  private async send(
    miner: MinerEndpoint,
    plan: CallPlan,
    reservation: Reservation,
    signed: SignedRequest,
  ): Promise<
    | { kind: "ok-json"; final: MinerFinal }
    | { kind: "ok-stream"; events: AsyncGenerator<SseEvent, void>; close: () => void }
    | { kind: "error"; status: number; code: string; message: string; held?: unknown; retryAfter?: number }
  > {
    const reply = await this.opts.client.post(miner.url, "/v1/infer", {
      body: plan.body,
      headers: { ...signed.headers, [HEADERS.voucher]: reservation.header },
      timeoutMs: this.timeoutMs,
      signal: plan.signal,
    });
    if (reply.kind === "stream") {
      if (reply.status === 200) return { kind: "ok-stream", events: reply.events, close: reply.close };
      reply.close();
      return { kind: "error", status: reply.status, code: "bad-stream", message: `stream with status ${reply.status}` };
    }
    if (reply.status === 200) {
      const final = reply.body as MinerFinal | undefined;
      if (!final || typeof final !== "object" || !("output" in final)) {
        return { kind: "error", status: 502, code: "bad-answer", message: "answer without output" };
      }
      return { kind: "ok-json", final };
    }
    const error = (reply.body as { error?: { code?: string; message?: string; held?: unknown } } | undefined)?.error;
    return {
      kind: "error",
      status: reply.status,
      code: error?.code ?? "http-error",
      message: error?.message ?? `HTTP ${reply.status}`,
      held: error?.held,
      retryAfter: Number(reply.headers["retry-after"]) || undefined,
    };
  }
}

/**
 * A miner's accepted stream: `data: {"delta": ...}` events, then `event: done` with the final
 * answer. `finish` must be called once: ok when done arrived, else the reservation is released.
 */
export class MinerStream {
  private finished = false;

  constructor(
    private readonly events: AsyncGenerator<SseEvent, void>,
    private readonly closeUpstream: () => void,
    private readonly onFinish: (ok: boolean, reason?: string) => Promise<void>,
  ) {}

  /** Yields text deltas; returns the final answer, or throws if the stream broke. */
  async *deltas(): AsyncGenerator<string, MinerFinal> {
    try {
      for await (const ev of this.events) {
        if (ev.event === "done") {
          const final = JSON.parse(ev.data) as MinerFinal;
          await this.finish(true);
          return final;
        }
        if (ev.event === "error") throw new Error(`miner stream error: ${ev.data}`);
        const chunk = JSON.parse(ev.data) as { delta?: unknown };
        if (typeof chunk.delta === "string" && chunk.delta.length > 0) yield chunk.delta;
      }
      throw new Error("stream ended without a final answer");
    } catch (err) {
      await this.finish(false, (err as Error).message);
      throw err;
    } finally {
      if (!this.finished) await this.finish(false, "consumer stopped");
    }
  }

  private async finish(ok: boolean, reason?: string): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!ok) this.closeUpstream();
    await this.onFinish(ok, reason);
  }
}

function relayCallerError(status: number, code: string, message: string): GatewayError {
  if (status === 413) return errors.tooLarge(`The miner refused the request as too large (${code}): ${message}`, null);
  return errors.invalidRequest(`The miner refused the request (${code}): ${message}`);
}
