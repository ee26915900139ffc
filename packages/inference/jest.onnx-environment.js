/**
 * Jest environment for tests that run ONNX Runtime: jest gives each test file its own realm, so
 * typed arrays made there fail onnxruntime's `instanceof Float32Array` checks against arrays from
 * the native binding (node's realm), and session.run() throws "A float32 tensor's data must be
 * type of function Float32Array()". Sharing node's typed-array constructors fixes that.
 * Use with a docblock at the top of the test file:
 *   /** @jest-environment ./packages/inference/jest.onnx-environment.js *\/
 */
const { TestEnvironment } = require("jest-environment-node");

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
];

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (name in globalThis) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxEnvironment;
