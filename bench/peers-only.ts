/**
 * Runs the peer implementations alone (plain TypeScript, TensorFlow.js wasm and cpu), compared
 * with tfjs-wasm, the strongest of them:
 *   node build/bench/peers-only.js [--quick] [--json] [--rounds N] [--filter TEXT]
 */
import { runBenchmarkCli } from './harness.js';
import { plainCases } from './peers/plain.js';
import { tfjsCases, tfjsInfo } from './peers/tfjs.js';

const info = await tfjsInfo();
process.stderr.write(`tfjs ${info.version}: wasm SIMD ${info.wasmSimd}, wasm threads ${info.wasmThreads}\n`);
await runBenchmarkCli((mode) => [...plainCases(mode), ...tfjsCases(mode)], { baselineImpl: 'tfjs-wasm' });
