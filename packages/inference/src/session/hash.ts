import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** A 32-byte value as 0x-prefixed lowercase hex: what a Solidity `bytes32` takes. */
export type Bytes32Hex = `0x${string}`;

const BYTES32_RE = /^0x[0-9a-f]{64}$/;

/** Whether `value` is a 0x-prefixed 64-digit hex string (any case). */
export function isBytes32Hex(value: string): value is Bytes32Hex {
  return BYTES32_RE.test(value.toLowerCase());
}

/**
 * The sha256 of a file, streamed (the file is never held in memory whole), as 0x-prefixed
 * lowercase hex: the model's identity on-chain (the models registry keys models by it).
 */
export async function sha256File(path: string): Promise<Bytes32Hex> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  return `0x${hash.digest("hex")}`;
}

/** Thrown by {@link assertModelAllowed} when a model's hash is not on the allow-list. */
export class ModelNotAllowedError extends Error {
  override readonly name = "ModelNotAllowedError";
  constructor(
    readonly hash: Bytes32Hex,
    readonly allowList: readonly Bytes32Hex[],
    readonly path?: string,
  ) {
    const what = path === undefined ? `model ${hash}` : `model ${path} (sha256 ${hash})`;
    const shown = allowList.slice(0, 5).join(", ") + (allowList.length > 5 ? ", ..." : "");
    super(
      `${what} is not on the subnet's allow-list of ${allowList.length} model hash(es) [${shown}]: ` +
        `serve one of the allowed models, or ask the subnet owner to allow this one`,
    );
  }
}

/**
 * Throws {@link ModelNotAllowedError} unless `hash` is on `allowList` (compared case-insensitively,
 * 0x prefix optional in the list). An empty list means the subnet sets no restriction: every
 * model is allowed, as on-chain. Throws a TypeError for a malformed hash or list entry.
 */
export function assertModelAllowed(hash: string, allowList: readonly string[], path?: string): void {
  const wanted = normalise(hash, "model hash");
  if (allowList.length === 0) return;
  const allowed = allowList.map((h, i) => normalise(h, `allow-list entry ${i}`));
  if (!allowed.includes(wanted)) throw new ModelNotAllowedError(wanted, allowed, path);
}

function normalise(value: string, what: string): Bytes32Hex {
  const hex = (value.startsWith("0x") || value.startsWith("0X") ? value : `0x${value}`).toLowerCase();
  if (!BYTES32_RE.test(hex)) throw new TypeError(`${what} is not a 32-byte hex string: ${JSON.stringify(value)}`);
  return hex as Bytes32Hex;
}
