/**
 * Jest environment for tests that run onnxruntime-node. Use it with a docblock at the top of
 * a test file:
 *
 *   /** @jest-environment ./packages/inference/src/text-generation/testing/ort-environment.ts *\/
 *
 * Jest gives every test file its own module registry inside a vm context, which breaks
 * onnxruntime-node's native binding in two ways:
 *  1. The binding's `initOrtOnce` may run once per process (a second call aborts Node on a
 *     native assertion), but each test file's registry re-evaluates the JS that calls it. Here
 *     ORT is initialised once per worker process from Node's own module system, and the shared
 *     native binding's `initOrtOnce` is then made a no-op for the registries that follow.
 *  2. Output tensors hold typed arrays of Node's main realm, and onnxruntime-common re-wraps them
 *     with `instanceof Float32Array`-style checks that fail against the vm context's own
 *     constructors. The test context gets the main realm's typed-array constructors.
 */
import path from "node:path";
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import { TestEnvironment } from "jest-environment-node";

const SHARED_GLOBALS = [
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

const INITIALISED = Symbol.for("noosphere.test.ortInitialised");

interface NativeBinding {
  initOrtOnce: (...args: unknown[]) => void;
}

function initialiseOrtOncePerProcess(): void {
  const flags = process as unknown as Record<symbol, boolean>;
  if (flags[INITIALISED]) return;
  flags[INITIALISED] = true;
  const pkgDir = path.dirname(require.resolve("onnxruntime-node/package.json"));
  // The JS wrapper around the native binding; it calls initOrtOnce once for this (outer) registry.
  const wrapper = require(path.join(pkgDir, "dist", "binding.js")) as { binding: NativeBinding; initOrt: () => void };
  wrapper.initOrt();
  // Native addons are cached per process, so every test file's registry gets this same object.
  wrapper.binding.initOrtOnce = () => undefined;
}

export default class OrtEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    initialiseOrtOncePerProcess();
    const target = this.global as unknown as Record<string, unknown>;
    const source = globalThis as unknown as Record<string, unknown>;
    for (const name of SHARED_GLOBALS) target[name] = source[name];
  }
}
