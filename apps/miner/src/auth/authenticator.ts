import { createHash } from "node:crypto";
import { getBytes, isHexString } from "ethers";
import type { TypedDataDomain } from "ethers";
import { HEADERS, NonceRegistry, requestTypes, typedDataDigestBytes } from "@noosphere/protocol";
import type { InferenceRequest, RequestRejection } from "@noosphere/protocol";
import { MinerHttpError } from "../errors";
import { createEcdsa } from "./ecdsa";
import type { Ecdsa } from "./ecdsa";

export type AuthRejection = RequestRejection | "deadline-too-far";

export interface RequestAuthenticatorOptions {
  /** The wire domain (packages/protocol `wireDomain`). */
  domain: TypedDataDomain;
  /** This miner's hotkey: requests must name it. */
  miner: string;
  netuid: number;
  /** Deadlines further ahead than this are refused, so remembered nonces stay bounded (default 300). */
  maxTtlSeconds?: number;
  /** Signature checks (default: native libsecp256k1 when installed, else JavaScript). */
  ecdsa?: Ecdsa;
  /** Where consumed nonces are kept across restarts (the miner's state file); default: memory only. */
  nonceLog?: NonceLog;
  nowSeconds?: () => number;
}

/** Consumed nonces that outlive the process: read back at start, each new one recorded before it is served. */
export interface NonceLog {
  liveNonces(): ReadonlyMap<string, number>;
  nonce(caller: string, nonce: bigint, deadline: number): void;
}

/** A request as its headers state it, before its signature, deadline and nonce are checked. */
export interface RequestClaim {
  request: InferenceRequest;
  signature: string;
}

/** A request whose signature, deadline and nonce checked out. */
export interface AuthenticatedRequest {
  request: InferenceRequest;
  /** EIP-712 hash of the request: what the miner's signed response refers to. */
  hash: string;
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * Verifies signed requests exactly as packages/protocol's `verifyRequest` does (missing or empty
 * signature refused: Bittensor's bypass, opentensor/bittensor#3392; bad signature; other netuid;
 * expired deadline; reused nonce), plus a cap on how far ahead a deadline may be. It is the
 * miner's hot path, so the typed-data encoders are built once and signatures go through `Ecdsa`
 * (libsecp256k1 when installed).
 */
export class RequestAuthenticator {
  readonly ecdsa: Ecdsa;
  private readonly nonces = new NonceRegistry();
  private readonly maxTtl: number;
  private readonly now: () => number;

  constructor(private readonly opts: RequestAuthenticatorOptions) {
    this.maxTtl = opts.maxTtlSeconds ?? 300;
    this.ecdsa = opts.ecdsa ?? createEcdsa();
    this.now = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    if (opts.nonceLog) this.nonces.restore(opts.nonceLog.liveNonces());
  }

  /** EIP-712 hash of `request` under this miner's wire domain (equals protocol's `requestHash`). */
  hash(request: InferenceRequest): string {
    return "0x" + Buffer.from(this.digest(request)).toString("hex");
  }

  private digest(request: InferenceRequest): Uint8Array {
    return typedDataDigestBytes(this.opts.domain, requestTypes, { ...request });
  }

  /** Verifies the request in `headers` over `body`; throws a 401 MinerHttpError otherwise. */
  authenticate(headers: Headers, body: Uint8Array): AuthenticatedRequest {
    return this.verify(this.claim(headers, body));
  }

  /**
   * The checks that need no signature verification (headers present and well formed, this
   * netuid) and the request they state; 401 otherwise. `verify` finishes the job.
   */
  claim(headers: Headers, body: Uint8Array): RequestClaim {
    const signature = header(headers, HEADERS.signature)?.trim();
    if (signature === undefined || signature === "" || /^0x0*$/i.test(signature)) {
      throw refuse("missing-signature", `missing or empty ${HEADERS.signature} header`);
    }
    const caller = header(headers, HEADERS.caller);
    const nonce = header(headers, HEADERS.nonce);
    const deadline = header(headers, HEADERS.deadline);
    const netuid = header(headers, HEADERS.netuid);
    if (
      !caller ||
      !/^0x[0-9a-fA-F]{40}$/.test(caller) ||
      !nonce ||
      !deadline ||
      !netuid ||
      !/^\d{1,78}$/.test(nonce) ||
      !/^\d{1,20}$/.test(deadline)
    ) {
      throw refuse(
        "malformed-headers",
        `headers ${HEADERS.caller} (an address), ${HEADERS.netuid}, ${HEADERS.nonce} and ${HEADERS.deadline} (decimal) are required`,
      );
    }
    if (Number(netuid) !== this.opts.netuid) {
      throw refuse("wrong-netuid", `this miner serves netuid ${this.opts.netuid}, not ${netuid}`);
    }
    const request: InferenceRequest = {
      caller,
      miner: this.opts.miner,
      netuid: this.opts.netuid,
      bodyHash: "0x" + createHash("sha256").update(body).digest("hex"),
      nonce: BigInt(nonce),
      deadline: BigInt(deadline),
    };
    if (request.nonce >= 2n ** 256n || request.deadline >= 2n ** 64n) {
      throw refuse("malformed-headers", `${HEADERS.nonce} must fit uint256 and ${HEADERS.deadline} uint64`);
    }
    return { request, signature };
  }

  /** Checks a claim's signature, deadline and nonce (consumed here); throws a 401 MinerHttpError otherwise. */
  verify({ request, signature }: RequestClaim): AuthenticatedRequest {
    const { caller } = request;
    const digest = this.digest(request);
    this.checkSignature(caller, digest, signature);

    const now = this.now();
    if (request.deadline < BigInt(now)) {
      throw refuse("expired", `deadline ${request.deadline} has passed (now ${now})`);
    }
    if (request.deadline > BigInt(now + this.maxTtl)) {
      throw refuse("deadline-too-far", `deadline ${request.deadline} is more than ${this.maxTtl} s ahead (now ${now})`);
    }
    if (!this.nonces.consume(caller, request.nonce, Number(request.deadline), now)) {
      throw refuse("replayed", `nonce ${request.nonce} was already used by ${caller}`);
    }
    this.opts.nonceLog?.nonce(caller, request.nonce, Number(request.deadline));
    return { request, hash: "0x" + Buffer.from(digest).toString("hex") };
  }

  /** Tells the signature backend this caller was admitted (the JavaScript one caches its key). */
  admitted(auth: AuthenticatedRequest): void {
    this.ecdsa.admitted(auth.request.caller);
  }

  private checkSignature(caller: string, digest: Uint8Array, signature: string): void {
    if (!isHexString(signature, 65)) {
      throw refuse("bad-signature", "signature must be 65 bytes of 0x-hex (r, s, v)");
    }
    if (!this.ecdsa.signedBy(caller, digest, getBytes(signature))) {
      throw refuse("bad-signature", "signature does not match the caller, miner, netuid and body of this request");
    }
  }
}

function refuse(reason: AuthRejection, message: string): MinerHttpError {
  return new MinerHttpError(401, reason, message);
}

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
