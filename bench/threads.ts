/**
 * 1 thread against 2, in one process, interleaved, medians: where splitting a kernel starts to
 * pay (the thresholds in src/backend/threads/), what a split costs, and the speed-ups of GEMM and
 * a training step. Prints tables with the load average, as the machine may be shared.
 *
 *   npm run bench:threads [-- --rounds N]      (node build/bench/threads.js; default 9 rounds)
 *
 * The suite (run.ts) times the same GEMMs and steps on 1 and N threads against their peers; this
 * program looks inside the split, so it also loads two of the library's internal modules.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createBackend, ops, MultiLayerNet, SGD } from 'scratchnet';
import type { Backend, Tensor } from 'scratchnet';

type ParallelKernelsModule = typeof import('../dist/backend/threads/parallel-kernels.js');
type GemmSplitModule = typeof import('../dist/backend/threads/gemm-split.js');

/** A module of the built library that its entry does not export, found next to the entry (dist/index.js). */
async function internal<T>(path: string): Promise<T> {
  return (await import(new URL(path, import.meta.resolve('scratchnet')).href)) as T;
}
const { PARALLEL_KERNELS, splitArgs } = await internal<ParallelKernelsModule>('./backend/threads/parallel-kernels.js');
const { GEMM_SPLIT_COLS, splitGemm } = await internal<GemmSplitModule>('./backend/threads/gemm-split.js');

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' } } });
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`bench threads: --rounds must be a positive integer, got "${values.rounds}"`);
const one = await createBackend({ threads: 1 });
const two = await createBackend({ threads: 2 });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Median microseconds per call of each function, measured round-robin (so load hits all alike). */
function interleaved(fns: Array<() => void>, callsPerWindow: number): number[] {
  const times: number[][] = fns.map(() => []);
  for (const fn of fns) for (let i = 0; i < callsPerWindow; i++) fn(); // warm up
  for (let r = 0; r < ROUNDS; r++) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      for (let c = 0; c < callsPerWindow; c++) fn();
      times[i].push(((performance.now() - t0) * 1000) / callsPerWindow);
    });
  }
  return times.map(median);
}

/** Calls per window so that a window takes ~3 ms on one thread. */
function callsFor(fn: () => void): number {
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < 3) {
    fn();
    calls++;
  }
  return Math.max(1, calls);
}

console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on 2 cores`);

/**
 * How much of a second core this machine gives right now: the SIMD ceiling loop on one thread,
 * against the same loop on both threads at once (2.0 when both cores are free).
 */
function twoCoreCeiling(): string {
  const pool = two.threadPool!;
  const peak = pool.kernelIndex('peak_f32');
  const iterations = 2_000_000; // ~4 ms: long enough that a wake-up (20-120 µs) does not count
  const [t1, t2] = interleaved(
    [
      () => void one.kernels.peak_f32(iterations),
      () => pool.run('peak_f32', [{ kernel: peak, args: [iterations] }, { kernel: peak, args: [iterations] }]),
    ],
    1,
  );
  return `${((2 * t1) / t2).toFixed(2)}x the one-core ceiling`;
}
console.log(`two cores running the SIMD ceiling loop: ${twoCoreCeiling()}`);

// ------------------------------------------------------------------ element-wise thresholds
/** The raw kernel on one thread, and forced into two shares whatever its size. */
function splitCall(backend: Backend, name: string, args: number[]): () => void {
  const pool = backend.threadPool!;
  const kernel = pool.kernelIndex(`${name}_f32`);
  const spec = { ...PARALLEL_KERNELS[name], minElements: 0 };
  const jobs = splitArgs(spec, 4, args, 2).map((share) => ({ kernel, args: share }));
  return () => pool.run(name, jobs);
}

const SIZES = [1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
const elementwise: Array<[string, (b: Backend, x: Tensor, y: Tensor, z: Tensor, w: Tensor) => number[]]> = [
  ['relu', (_b, x, y) => [x.size, x.ptr, y.ptr]],
  ['add', (_b, x, y, z) => [x.size, x.ptr, y.ptr, z.ptr]],
  ['sigmoid', (_b, x, y) => [x.size, x.ptr, y.ptr]],
  ['sgd', (_b, x, y) => [x.size, x.ptr, y.ptr, 1e-3]],
  ['momentum', (_b, x, y, z) => [x.size, x.ptr, y.ptr, z.ptr, 1e-3, 0.9]],
  ['adam', (_b, x, y, z, w) => [x.size, x.ptr, y.ptr, z.ptr, w.ptr, 1e-3, 0.9, 0.999, 1e-8]],
  ['softmaxRows', (_b, x, y) => [x.size / 10, 10, x.ptr, y.ptr]],
];
console.log('\nelement-wise f32, µs per call: 1 thread | 2 threads (forced split) | speed-up');
for (const [name, argsOf] of elementwise) {
  const rows: string[] = [];
  for (const n of SIZES) {
    const make = (b: Backend) => [0, 1, 2, 3].map((s) => b.rand([n], { seed: s }));
    const t1 = make(one);
    const t2 = make(two);
    const a1 = argsOf(one, t1[0], t1[1], t1[2], t1[3]);
    const a2 = argsOf(two, t2[0], t2[1], t2[2], t2[3]);
    const single = () => void one.kernels[`${name}_f32`](...a1);
    const split = splitCall(two, name, a2);
    const [u1, u2] = interleaved([single, split], callsFor(single));
    rows.push(`${String(n).padStart(7)}: ${u1.toFixed(1).padStart(7)} | ${u2.toFixed(1).padStart(7)} | ${(u1 / u2).toFixed(2)}x`);
    for (const t of [...t1, ...t2]) t.dispose();
  }
  console.log(`${name}\n  ${rows.join('\n  ')}`);
}

// ------------------------------------------------------------------------------ GEMM
function gemmCase(m: number, k: number, n: number, transA = false, transB = false) {
  const make = (b: Backend) => ({
    a: b.randn(transA ? [k, m] : [m, k], { seed: 1 }),
    w: b.randn(transB ? [n, k] : [k, n], { seed: 2 }),
    c: b.empty([m, n]),
  });
  const x1 = make(one);
  const x2 = make(two);
  const f1 = () => void ops.gemm(x1.a, x1.w, x1.c, { transA, transB });
  const f2 = () => void ops.gemm(x2.a, x2.w, x2.c, { transA, transB });
  return { f1, f2, dispose: () => [x1, x2].forEach((x) => Object.values(x).forEach((t) => t.dispose())) };
}

console.log('\nGEMM f32 (m, k, n), µs per call: 1 thread | 2 threads | speed-up | GFLOP/s on 2');
const GEMMS: Array<[number, number, number, boolean, boolean]> = [
  [16, 16, 16, false, false],
  [32, 32, 32, false, false],
  [40, 40, 40, false, false],
  [64, 64, 64, false, false],
  [100, 100, 10, false, false],
  [100, 100, 100, false, false],
  [128, 128, 128, false, false],
  [100, 784, 10, false, false],
  [100, 784, 100, false, false],
  [784, 100, 100, true, false],
  [100, 100, 784, false, true],
  [100, 1024, 1024, false, false],
  [512, 512, 512, false, false],
];
for (const [m, k, n, tA, tB] of GEMMS) {
  const g = gemmCase(m, k, n, tA, tB);
  const [u1, u2] = interleaved([g.f1, g.f2], callsFor(g.f1));
  const split = splitGemm(2, tA, tB, m, n, 0, 0, 0, 0, 0, 0, 4);
  const by = split.length > 1 && split[0].n !== n ? `columns (blocks of ${GEMM_SPLIT_COLS})` : split.length > 1 ? 'rows' : 'one thread';
  console.log(
    `(${m}, ${k}, ${n})${tA ? ' Aᵀ' : ''}${tB ? ' Bᵀ' : ''}: ${u1.toFixed(1)} | ${u2.toFixed(1)} | ${(u1 / u2).toFixed(2)}x | ` +
      `${((2 * m * n * k) / u2 / 1000).toFixed(1)} [${by}]`,
  );
  g.dispose();
}

// Work added by splitting, whatever the machine gives: the shares run one after another on one
// thread against the whole call (1.00 means the split itself costs nothing; with two free cores
// the speed-up is then at most 2 / this ratio).
console.log('\nGEMM f32 split work, on one thread: shares one after another / whole call');
for (const [m, k, n, tA, tB] of GEMMS.filter(([m, k, n]) => m * k * n >= 1e6)) {
  const a = one.randn(tA ? [k, m] : [m, k], { seed: 1 });
  const w = one.randn(tB ? [n, k] : [k, n], { seed: 2 });
  const c = one.empty([m, n]);
  const bytes = one.kernels.gemmWorkBytes_f32();
  const works = [0, 1].map((t) => one.workspace(`split work ${t}`, bytes));
  const gemm = one.kernels.gemm_f32;
  const whole = () => void gemm(+tA, +tB, m, n, k, 1, a.ptr, a.shape[1], w.ptr, w.shape[1], 0, c.ptr, n, works[0]);
  const shares = splitGemm(2, tA, tB, m, n, a.ptr, a.shape[1], w.ptr, w.shape[1], c.ptr, n, 4);
  const inTurn = () => {
    shares.forEach((s, t) => gemm(+tA, +tB, s.m, s.n, k, 1, s.a, a.shape[1], s.b, w.shape[1], 0, s.c, n, works[t]));
  };
  const [u1, u2] = interleaved([whole, inTurn], callsFor(whole));
  console.log(`(${m}, ${k}, ${n})${tA ? ' Aᵀ' : ''}${tB ? ' Bᵀ' : ''}: ${(u2 / u1).toFixed(3)}`);
  [a, w, c].forEach((t) => t.dispose());
}

// ----------------------------------------------------------------------- training step
function trainingStep(backend: Backend) {
  const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [100], outputSize: 10 }, { backend, seed: 1 });
  const x = backend.rand([100, 784], { seed: 3 });
  const labels = backend.tensor(Array.from({ length: 100 }, (_, i) => (i * 7) % 10), [100], 'int32');
  const opt = new SGD(0.01);
  return () => {
    net.gradient(x, labels);
    opt.update(net);
  };
}
const s1 = trainingStep(one);
const s2 = trainingStep(two);
const [u1, u2] = interleaved([s1, s2], 20);
console.log(`\n784-100-10 training step, batch 100, µs: 1 thread ${u1.toFixed(0)} | 2 threads ${u2.toFixed(0)} | ${(u1 / u2).toFixed(2)}x`);
{
  // Where the 2-thread step spends its time: inside split calls, or in what stays on one thread.
  const pool = two.threadPool!;
  const run = pool.run.bind(pool);
  let inSplit = 0;
  pool.run = (label, jobs) => {
    const t0 = performance.now();
    try {
      run(label, jobs);
    } finally {
      inSplit += performance.now() - t0;
    }
  };
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) s2();
  const total = ((performance.now() - t0) * 1000) / 50;
  pool.run = run;
  const split = (inSplit * 1000) / 50;
  const serial = total - split;
  const splitOnOne = u1 - serial;
  console.log(
    `  2-thread step: ${split.toFixed(0)} µs in split calls, ${serial.toFixed(0)} µs in one-thread work; the split calls take ` +
      `${splitOnOne.toFixed(0)} µs on one thread (${(splitOnOne / split).toFixed(2)}x faster split); with them perfectly halved the step ` +
      `would be ${(u1 / (serial + splitOnOne / 2)).toFixed(2)}x faster`,
  );
}

// Synchronisation cost alone: a split call with nothing to do (n = 0 on both threads).
{
  const pool = two.threadPool!;
  const kernel = pool.kernelIndex('copy_f32');
  const empty = () => pool.run('copy_f32', [{ kernel, args: [0, 0, 0] }, { kernel, args: [0, 0, 0] }]);
  const [u] = interleaved([empty], 10000);
  console.log(`an empty split call (hand-off and wait only): ${u.toFixed(2)} µs`);
}
console.log(`two cores running the SIMD ceiling loop: ${twoCoreCeiling()}`);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
one.dispose();
two.dispose();
