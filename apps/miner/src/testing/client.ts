import type { Signer, TypedDataDomain } from "ethers";
import { HEADERS, encodeVoucherHeader, signRequest, signVoucher } from "@noosphere/protocol";
import type { InferenceRequest, Voucher } from "@noosphere/protocol";

export interface MinerTarget {
  url: string;
  miner: string;
  netuid: number;
  wireDomain: TypedDataDomain;
  voucherDomain: TypedDataDomain;
  tier: number;
  model: string;
}

export interface CallOptions {
  /** Pay with a voucher for `client` of this cumulative amount, signed by the caller. */
  voucher?: { client: string; cumulativeAmount: bigint } & Partial<Voucher>;
  /** Headers to add or override after signing (to forge or break a request). */
  headers?: Record<string, string | undefined>;
  ttlSeconds?: number;
  now?: () => number;
  /** Send these bytes instead of the signed body. */
  sendBody?: string;
  signal?: AbortSignal;
}

export interface SignedCall {
  request: InferenceRequest;
  headers: Record<string, string>;
  body: string;
}

/** Signs `body` as `caller` for `target`, with a voucher header if asked. */
export async function signCall(
  caller: Signer,
  target: MinerTarget,
  body: unknown,
  opts: CallOptions = {},
): Promise<SignedCall> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const signed = await signRequest(caller, target.wireDomain, {
    miner: target.miner,
    netuid: target.netuid,
    body: text,
    ttlSeconds: opts.ttlSeconds,
    now: opts.now,
  });
  const headers: Record<string, string> = { "content-type": "application/json", ...signed.headers };
  if (opts.voucher) {
    const voucher: Voucher = {
      miner: target.miner,
      netuid: target.netuid,
      tier: target.tier,
      model: target.model,
      ...opts.voucher,
    };
    headers[HEADERS.voucher] = encodeVoucherHeader(voucher, await signVoucher(caller, target.voucherDomain, voucher));
  }
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  return { request: signed.request, headers, body: text };
}

/** POSTs a signed call to /v1/infer. */
export async function send(
  target: MinerTarget,
  call: SignedCall,
  opts: Pick<CallOptions, "sendBody" | "signal"> = {},
): Promise<Response> {
  return fetch(`${target.url}/v1/infer`, {
    method: "POST",
    headers: call.headers,
    body: opts.sendBody ?? call.body,
    signal: opts.signal,
  });
}

/** Signs and sends in one go. */
export async function infer(
  caller: Signer,
  target: MinerTarget,
  body: unknown,
  opts: CallOptions = {},
): Promise<Response> {
  return send(target, await signCall(caller, target, body, opts), opts);
}

/** Parses a server-sent event stream into its events. */
export function parseSse(text: string): { event: string; data: string }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      return { event, data: data.join("\n") };
    });
}
