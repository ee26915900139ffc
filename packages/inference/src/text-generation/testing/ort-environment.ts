/**
 * Jest environment for tests that run onnxruntime-node. The native backend builds output
 * tensors from typed arrays of Node's main realm, while jest runs tests in a separate vm
 * context whose typed-array constructors differ, so `instanceof Float32Array` checks inside
 * onnxruntime-common fail. This environment hands the test context the main realm's
 * typed-array constructors. Use with a docblock at the top of a test file:
 *
 *   /** @jest-environment ./packages/inference/src/text-generation/testing/ort-environment.ts *\/
 */
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import { TestEnvironment } from "jest-environment-node";

const SHARED = [
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
] as const;

export default class OrtEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const target = this.global as unknown as Record<string, unknown>;
    const source = globalThis as unknown as Record<string, unknown>;
    for (const name of SHARED) target[name] = source[name];
  }
}
