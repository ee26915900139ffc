import { sha256 } from "ethers";
import type { Signer, TypedDataDomain } from "ethers";
import { recoverTypedDataSigner, signTypedData, typedDataDigest } from "./crypto";

/** What a miner signs over each answer, so a validator can prove what the miner said. */
export interface InferenceResponse {
  requestHash: string;
  outputHash: string; // sha256 of the raw response body
  owed: bigint; // NOOS (1e18 units) this answer adds to the caller's voucher
}

export const responseTypes = {
  InferenceResponse: [
    { name: "requestHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
    { name: "owed", type: "uint256" },
  ],
};

export function outputHash(body: Uint8Array | string): string {
  return sha256(typeof body === "string" ? new TextEncoder().encode(body) : body);
}

export async function signResponse(
  signer: Signer,
  domain: TypedDataDomain,
  response: InferenceResponse,
): Promise<string> {
  return signTypedData(signer, domain, responseTypes, { ...response });
}

/** Returns the miner address that signed `response`; callers compare it with the axon's hotkey. */
export function recoverResponseSigner(domain: TypedDataDomain, response: InferenceResponse, signature: string): string {
  return recoverTypedDataSigner(domain, responseTypes, { ...response }, signature);
}

export function responseDigest(domain: TypedDataDomain, response: InferenceResponse): string {
  return typedDataDigest(domain, responseTypes, { ...response });
}
