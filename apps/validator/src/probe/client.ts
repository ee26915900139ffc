import type { Signer, TypedDataDomain } from "ethers";
import { ForbiddenAxonError, resolveAxonUrl } from "@noosphere/node-kit";
import { outputHash, recoverResponseSigner, requestHash, signRequest } from "@noosphere/protocol";

/** Why an answer earns nothing. Each is the miner's doing, so it is scored 0, not retried. */
export type ProbeFault =
  | "timeout" // no complete answer within the timeout
  | "oversize" // answer larger than maxResponseBytes
  | "garbage" // not JSON, or not the signed-answer shape
  | "unsigned" // no response signature
  | "bad-signature" // signature does not recover the miner's hotkey
  | "wrong-request" // signs another request than the one sent
  | "hash-mismatch" // outputHash is not the sha256 of the output
  | "refused" // 4xx to a valid signed request
  | "forbidden-axon" // the axon points at a loopback or private address (outside a devnet)
  | "error"; // 5xx other than 503-with-retry / 429

export type ProbeResult =
  | { ok: true; output: unknown; latencyMs: number; requestHash: string; outputHash: string; signature: string }
  | { ok: false; fault: ProbeFault; latencyMs: number; detail: string; status?: number };

/** The miner could not be reached or asked us to come back (connection refused, reset, 429): retry. */
export class MinerUnavailableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ProbeOptions {
  /** Base URL of the miner's axon, e.g. http://10.0.0.5:8091. */
  url: string;
  /** The miner's hotkey: requests name it and its signature must recover to it. */
  miner: string;
  netuid: number;
  /** JSON body of the task request. */
  body: unknown;
  signer: Signer;
  domain: TypedDataDomain;
  timeoutMs: number;
  maxResponseBytes: number;
  /** Lets axons point at loopback and private addresses (a devnet); such a miner scores 0 otherwise. */
  allowPrivateAxons?: boolean;
}

/**
 * Sends one signed challenge to a miner and checks the answer: signed by the miner's hotkey, over
 * this very request, with outputHash the sha256 of the output. Returns the output or the fault;
 * throws MinerUnavailableError only for failures worth retrying.
 */
export async function probeMiner(opts: ProbeOptions): Promise<ProbeResult> {
  const raw = JSON.stringify(opts.body);
  const ttl = Math.max(30, Math.ceil(opts.timeoutMs / 1000) + 30);
  const signed = await signRequest(opts.signer, opts.domain, {
    miner: opts.miner,
    netuid: opts.netuid,
    body: raw,
    ttlSeconds: ttl,
  });
  const expectedRequestHash = requestHash(opts.domain, signed.request);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fault = (f: ProbeFault, detail: string, status?: number): ProbeResult => ({
    ok: false,
    fault: f,
    latencyMs: elapsed(),
    detail,
    status,
  });

  // Axons come from the chain: a miner must not aim the validator at its own network (Redis, metadata).
  try {
    await resolveAxonUrl(opts.url, opts.allowPrivateAxons ?? false);
  } catch (err) {
    if (err instanceof ForbiddenAxonError || (err as NodeJS.ErrnoException).code === "EAXONFORBIDDEN") {
      return fault("forbidden-axon", (err as Error).message);
    }
    throw new MinerUnavailableError(`cannot resolve ${opts.url}: ${(err as Error).message}`);
  }
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let status: number;
  let text: string;
  try {
    const res = await fetch(new URL("/v1/infer", opts.url), {
      method: "POST",
      headers: { "content-type": "application/json", ...signed.headers },
      body: raw,
      signal,
    });
    status = res.status;
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (declared > opts.maxResponseBytes) {
      await res.body?.cancel().catch(() => undefined);
      return fault("oversize", `content-length ${declared} > ${opts.maxResponseBytes}`, status);
    }
    const body = await readCapped(res, opts.maxResponseBytes);
    if (body === undefined) return fault("oversize", `answer over ${opts.maxResponseBytes} bytes`, status);
    text = body;
  } catch (err) {
    if (signal.aborted) return fault("timeout", `no complete answer within ${opts.timeoutMs} ms`);
    throw new MinerUnavailableError(`cannot reach ${opts.url}: ${describe(err)}`);
  }

  if (status === 429) throw new MinerUnavailableError(`${opts.url} is overloaded (429)`, status);
  if (status >= 400 && status < 500) return fault("refused", `HTTP ${status}: ${text.slice(0, 200)}`, status);
  if (status >= 500) return fault("error", `HTTP ${status}: ${text.slice(0, 200)}`, status);
  if (status !== 200) return fault("garbage", `unexpected HTTP ${status}`, status);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fault("garbage", "answer is not JSON", status);
  }
  const a = parsed as Record<string, unknown> | null;
  if (typeof a !== "object" || a === null || !("output" in a)) return fault("garbage", "answer has no output", status);
  if (typeof a.signature !== "string" || a.signature.length === 0)
    return fault("unsigned", "answer has no signature", status);
  if (
    typeof a.requestHash !== "string" ||
    typeof a.outputHash !== "string" ||
    typeof a.owed !== "string" ||
    !/^\d+$/.test(a.owed)
  ) {
    return fault("garbage", "answer lacks requestHash, outputHash or owed", status);
  }
  if (a.requestHash.toLowerCase() !== expectedRequestHash.toLowerCase()) {
    return fault("wrong-request", `answer is for request ${a.requestHash}, sent ${expectedRequestHash}`, status);
  }
  const computed = outputHash(JSON.stringify(a.output));
  if (computed.toLowerCase() !== a.outputHash.toLowerCase()) {
    return fault("hash-mismatch", `outputHash ${a.outputHash} but the output hashes to ${computed}`, status);
  }
  let signer: string;
  try {
    signer = recoverResponseSigner(
      opts.domain,
      { requestHash: a.requestHash, outputHash: a.outputHash, owed: BigInt(a.owed) },
      a.signature,
    );
  } catch {
    return fault("bad-signature", "signature is not a valid EIP-712 signature", status);
  }
  if (signer.toLowerCase() !== opts.miner.toLowerCase()) {
    return fault("bad-signature", `signed by ${signer}, not the miner ${opts.miner}`, status);
  }
  return {
    ok: true,
    output: a.output,
    latencyMs: elapsed(),
    requestHash: a.requestHash,
    outputHash: a.outputHash,
    signature: a.signature,
  };
}

/** Reads a body as UTF-8 but stops (and returns undefined) once it passes `max` bytes. */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
