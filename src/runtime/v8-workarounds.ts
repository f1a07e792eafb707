/**
 * A workaround for a V8 abort seen on Node 20 (V8 11.3): under garbage-collection pressure, a
 * deoptimisation of TurboFan code that had inlined a JS-to-Wasm call into the
 * `@cedar-policy/cedar-wasm` module fails in `Deoptimizer::DoComputeBuiltinContinuation` with
 * "unreachable code" and kills the process. The policy truth-table test (7 560 uncached Cedar
 * evaluations) hit it in about one run in three; with `--no-turbo-inline-js-wasm-calls` it passed
 * 12 runs out of 12 (turning off the inlining of Array builtins did not help; turning off all
 * TurboFan inlining also fixed it but cost 60% more CPU per request). Measured cost of this flag
 * on the benchmark: within noise (text chat 412 vs 434 us CPU per request).
 *
 * It must run before hot code is optimised, so it is the first import of the CLI and of the test
 * setup. V8 flags are not accepted in NODE_OPTIONS, hence `v8.setFlagsFromString`. Set
 * `GATEWAY_V8_INLINING=1` to keep V8's default (e.g. on a Node version without the bug).
 */
import { setFlagsFromString } from "node:v8";

if (process.env.GATEWAY_V8_INLINING !== "1") setFlagsFromString("--no-turbo-inline-js-wasm-calls");
