import { randomBytes, sha256, toBigInt } from "ethers";
import type { Signer, TypedDataDomain } from "ethers";
import { recoverTypedDataSigner, signTypedData, typedDataDigest } from "./crypto";

/** What a caller signs for every request to a miner (validators and clients alike). */
export interface InferenceRequest {
  caller: string;
  miner: string;
  netuid: number;
  bodyHash: string; // sha256 of the raw HTTP body, 0x-hex
  nonce: bigint;
  deadline: bigint; // unix seconds
}

export const requestTypes = {
  InferenceRequest: [
    { name: "caller", type: "address" },
    { name: "miner", type: "address" },
    { name: "netuid", type: "uint16" },
    { name: "bodyHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

/** HTTP headers that carry a signed request. */
export const HEADERS = {
  caller: "x-noos-caller",
  netuid: "x-noos-netuid",
  nonce: "x-noos-nonce",
  deadline: "x-noos-deadline",
  signature: "x-noos-signature",
  response: "x-noos-response",
  owed: "x-noos-owed",
  voucher: "x-noos-voucher",
} as const;

export function bodyHash(body: Uint8Array | string): string {
  return sha256(typeof body === "string" ? new TextEncoder().encode(body) : body);
}

export function requestHash(domain: TypedDataDomain, request: InferenceRequest): string {
  return typedDataDigest(domain, requestTypes, { ...request });
}

export interface SignRequestOptions {
  miner: string;
  netuid: number;
  body: Uint8Array | string;
  ttlSeconds?: number;
  now?: () => number;
}

export interface SignedRequest {
  request: InferenceRequest;
  signature: string;
  headers: Record<string, string>;
}

/** Signs a request body for one miner and returns it with the headers to send. */
export async function signRequest(
  signer: Signer,
  domain: TypedDataDomain,
  opts: SignRequestOptions,
): Promise<SignedRequest> {
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const request: InferenceRequest = {
    caller: await signer.getAddress(),
    miner: opts.miner,
    netuid: opts.netuid,
    bodyHash: bodyHash(opts.body),
    nonce: toBigInt(randomBytes(16)),
    deadline: BigInt(now() + (opts.ttlSeconds ?? 60)),
  };
  const signature = await signTypedData(signer, domain, requestTypes, { ...request });
  return { request, signature, headers: requestHeaders(request, signature) };
}

export function requestHeaders(request: InferenceRequest, signature: string): Record<string, string> {
  return {
    [HEADERS.caller]: request.caller,
    [HEADERS.netuid]: String(request.netuid),
    [HEADERS.nonce]: request.nonce.toString(),
    [HEADERS.deadline]: request.deadline.toString(),
    [HEADERS.signature]: signature,
  };
}

export type RequestRejection =
  "missing-signature" | "malformed-headers" | "bad-signature" | "wrong-miner" | "wrong-netuid" | "expired" | "replayed";

export class RequestVerificationError extends Error {
  constructor(
    readonly reason: RequestRejection,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyRequestOptions {
  domain: TypedDataDomain;
  miner: string;
  netuid: number;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array | string;
  nonces: NonceRegistry;
  nowSeconds?: number;
}

/**
 * Verifies a signed request and consumes its nonce. Missing or empty signatures are refused
 * outright: accepting them was Bittensor's known bypass (opentensor/bittensor#3392).
 */
export function verifyRequest(opts: VerifyRequestOptions): InferenceRequest {
  const header = (name: string): string | undefined => {
    const v = opts.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const signature = header(HEADERS.signature);
  if (signature === undefined || signature.trim() === "" || /^0x0*$/i.test(signature.trim())) {
    throw new RequestVerificationError("missing-signature", `missing or empty ${HEADERS.signature} header`);
  }
  const caller = header(HEADERS.caller);
  const nonce = header(HEADERS.nonce);
  const deadline = header(HEADERS.deadline);
  const netuid = header(HEADERS.netuid);
  if (!caller || !nonce || !deadline || !netuid || !/^\d+$/.test(nonce) || !/^\d+$/.test(deadline)) {
    throw new RequestVerificationError(
      "malformed-headers",
      `headers ${HEADERS.caller}, ${HEADERS.netuid}, ${HEADERS.nonce} and ${HEADERS.deadline} are required`,
    );
  }
  if (Number(netuid) !== opts.netuid) {
    throw new RequestVerificationError("wrong-netuid", `this miner serves netuid ${opts.netuid}, not ${netuid}`);
  }
  const request: InferenceRequest = {
    caller,
    miner: opts.miner,
    netuid: opts.netuid,
    bodyHash: bodyHash(opts.body),
    nonce: BigInt(nonce),
    deadline: BigInt(deadline),
  };
  let recovered: string;
  try {
    recovered = recoverTypedDataSigner(opts.domain, requestTypes, { ...request }, signature);
  } catch {
    throw new RequestVerificationError("bad-signature", "signature is not a valid EIP-712 signature");
  }
  if (recovered.toLowerCase() !== caller.toLowerCase()) {
    throw new RequestVerificationError(
      "bad-signature",
      "signature does not match the caller, miner, netuid and body of this request",
    );
  }
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (request.deadline < BigInt(now)) {
    throw new RequestVerificationError("expired", `deadline ${request.deadline} has passed (now ${now})`);
  }
  if (!opts.nonces.consume(caller, request.nonce, Number(request.deadline))) {
    throw new RequestVerificationError("replayed", `nonce ${request.nonce} was already used by ${caller}`);
  }
  return request;
}

/**
 * Remembers nonces until their deadline passes, so a replay inside the validity window is caught
 * and memory stays bounded by the requests of the last `ttl` seconds.
 */
export class NonceRegistry {
  private readonly seen = new Map<string, number>();
  private lastSweep = 0;

  consume(caller: string, nonce: bigint, deadline: number, now = Math.floor(Date.now() / 1000)): boolean {
    if (now - this.lastSweep >= 10) this.sweep(now);
    const key = `${caller.toLowerCase()}:${nonce}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, deadline);
    return true;
  }

  /** Remembers nonces consumed before (a restart): "caller:nonce" keys (caller lower-case) and deadlines. */
  restore(entries: Iterable<readonly [string, number]>): void {
    for (const [key, deadline] of entries) this.seen.set(key, deadline);
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, deadline] of this.seen) if (deadline < now) this.seen.delete(key);
  }
}
