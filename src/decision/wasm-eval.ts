import { TaskguardError } from '../errors.js';
import type { LoadedPolicy } from './opa-wasm.js';

/** The exports of OPA's wasm ABI 1.2 this file calls. */
interface OpaAbiExports {
  opa_eval(reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heap: number, format: number): number;
}

/** The instance state opa-wasm's LoadedPolicy keeps public; see its typings. */
interface PolicyInternals {
  minorVersion: number;
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
  wasmInstance: { exports: unknown };
  dataAddr: number;
  dataHeapPtr: number;
}

const PAGE = 65536;
const JSON_FORMAT = 0;

/**
 * Evaluates one entrypoint through OPA's wasm ABI 1.2 `opa_eval`, the same call opa-wasm's evaluate makes,
 * without its per-call allocations: one encoder and decoder for the instance's life, the input encoded
 * straight into linear memory, the result's terminator found natively. opa_eval resets the heap to the
 * pointer it is given on every call, so nothing accumulates between decisions.
 */
export function createWasmEvaluator(policy: LoadedPolicy, entrypointId: number): (input: unknown) => unknown {
  const state = policy as unknown as PolicyInternals;
  if (state.minorVersion < 2) {
    throw new TaskguardError('bundle_invalid', 'policy.wasm predates wasm abi 1.2 (opa_eval); rebuild it with a current opa');
  }
  const exports = state.wasmInstance.exports as OpaAbiExports;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let view = new Uint8Array(state.mem.buffer);

  return (input: unknown): unknown => {
    const json = JSON.stringify(input);
    const inputAddr = state.dataHeapPtr;
    // UTF-8 takes at most 3 bytes per UTF-16 unit; reserve that before encoding in place.
    const needed = inputAddr + json.length * 3 - state.mem.buffer.byteLength;
    if (needed > 0) state.mem.grow(Math.ceil(needed / PAGE));
    if (view.buffer !== state.mem.buffer) view = new Uint8Array(state.mem.buffer);
    const { written } = encoder.encodeInto(json, view.subarray(inputAddr));
    const resultAddr = exports.opa_eval(0, entrypointId, state.dataAddr, inputAddr, written, inputAddr + written, JSON_FORMAT);
    // Evaluation may have grown memory, which detaches the old buffer.
    if (view.buffer !== state.mem.buffer) view = new Uint8Array(state.mem.buffer);
    const end = view.indexOf(0, resultAddr);
    if (end < 0) throw new TaskguardError('bundle_invalid', 'policy result is not terminated');
    return JSON.parse(decoder.decode(view.subarray(resultAddr, end)));
  };
}
