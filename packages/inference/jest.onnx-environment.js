/**
 * Jest environment for test files that run ONNX Runtime (onnxruntime-node). Jest gives each
 * test file its own realm and module registry, which breaks onnxruntime-node twice over:
 *
 * 1. Typed arrays made in the test realm fail onnxruntime's `instanceof Float32Array` checks
 *    against arrays from the native binding (node's realm): session.run() throws "A float32
 *    tensor's data must be type of function Float32Array()". Fix: share node's typed-array
 *    constructors with the test realm.
 * 2. Each test file loads onnxruntime-node's JS afresh, but the native binding is loaded once
 *    per process (jest `require`s .node files natively), so the second file in a worker calls
 *    the binding's initOrtOnce again and node aborts ("Assertion failed ... CleanupQueue::Add").
 *    Fix: initialise ORT once per process, with node's realm's Tensor class, and make later
 *    calls no-ops.
 *
 * The root jest.config.js makes it the default environment of every test file:
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

let ortShared = false;

/** Makes the native binding's initOrtOnce run once per process, with this realm's Tensor. */
function initOnnxRuntimeOncePerProcess() {
  if (ortShared) return;
  ortShared = true;
  let binding;
  let Tensor;
  try {
    binding = require("onnxruntime-node/dist/binding").binding;
    Tensor = require("onnxruntime-common").Tensor;
  } catch {
    return; // onnxruntime-node not installed: nothing to share
  }
  const { isMainThread } = require("node:worker_threads");
  const initOrtOnce = binding.initOrtOnce;
  let initialised = false;
  binding.initOrtOnce = function initOrtOncePerProcess(logLevel) {
    if (initialised) return;
    initialised = true;
    return initOrtOnce.call(this, logLevel, Tensor, isMainThread);
  };
}

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (name in globalThis) this.global[name] = globalThis[name];
    initOnnxRuntimeOncePerProcess();
  }
}

module.exports = OnnxEnvironment;
