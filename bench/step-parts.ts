/**
 * Where the time of a 784-100-10 sigmoid training step goes (float32, one thread, batch 100: the
 * suite's "train step" net and batch; loss, backward, SGD update). Three copies of the step run
 * interleaved in blocks:
 *   - plain: the step's wall time;
 *   - timed: every kernel call timed where it happens in the step (its backend's kernel table
 *     wrapped), so each call's median is its cost with the caches as the step leaves them;
 *   - without GEMMs: the GEMM kernel replaced by a function that returns at once, so the step's
 *     time is the remainder: everything but the GEMMs (with the caches the GEMMs would have
 *     used left to the rest, so a little less than inside the real step);
 *   - TypeScript only: every kernel replaced so, so the step's time is the TypeScript around the
 *     kernels (checks, views, the layers' and net's bookkeeping).
 * Medians of single steps and calls leave out the ones the shared machine interrupted. (Timing
 * each call adds about 1 µs per call to the timed copy's step, so its GEMMs are not subtracted
 * from the plain step.)
 *
 *   node build/bench/step-parts.js [--rounds N] [--before DIR]
 *
 * --before DIR loads a second copy of the package (DIR/dist/index.js and DIR/build/*.wasm, built
 * from another commit) and runs its three copies in the same rounds, so before and after share
 * the machine's load.
 */
import { loadavg } from 'node:os';
import * as current from 'scratchnet';
import type { Backend } from 'scratchnet';
import { MLP_SHAPES, TRAIN_BATCH, TRAIN_LEARNING_RATE, makeTrainProblem } from './problems.js';
import { median } from './harness.js';

type Library = typeof current;
type KernelFn = (...args: number[]) => number;

const SHAPE = MLP_SHAPES.find((s) => s.sizes.join('-') === '784-100-10' && s.activation === 'sigmoid')!;
const [D, H, C] = SHAPE.sizes;
const N = TRAIN_BATCH;
/** Steps per block of one copy. */
const BLOCK = 100;

/** A step on its own backend: loss, backward, SGD update. */
async function makeStep(lib: Library, prepare: (backend: Backend) => void): Promise<() => void> {
  const backend = await lib.createBackend({ threads: 1 });
  prepare(backend);
  const net = new lib.MultiLayerNet({ inputSize: D, hiddenSizes: [H], outputSize: C, activation: 'sigmoid' }, { backend, dtype: 'float32', seed: 0 });
  const problem = makeTrainProblem(SHAPE, N);
  net.params.forEach((p, i) => p.set(i % 2 === 0 ? problem.weights[i / 2] : problem.biases[(i - 1) / 2]));
  const x = backend.tensor(problem.x, [N, D], 'float32');
  const t = backend.tensor(problem.labels, [N], 'int32');
  const sgd = new lib.SGD(TRAIN_LEARNING_RATE);
  return () => {
    net.loss(x, t);
    net.backward();
    sgd.update(net);
  };
}

/** One package's three copies of the step and their samples. */
class Subject {
  readonly stepTimes: number[] = [];
  readonly scriptTimes: number[] = [];
  readonly remainders: number[] = [];
  readonly timedStepTimes: number[] = [];
  /** Per call position in the step: the kernel's name and its times. */
  readonly calls: { name: string; times: number[] }[] = [];
  private position = 0;

  private constructor(
    readonly label: string,
    private readonly plain: () => void,
    private readonly timed: () => void,
    private readonly withoutGemms: () => void,
    private readonly scriptOnly: () => void,
  ) {}

  static async make(label: string, lib: Library): Promise<Subject> {
    let subject: Subject | null = null;
    const record = (name: string, ms: number) => {
      const s = subject;
      if (s === null) return; // the net's setup
      const call = (s.calls[s.position++] ??= { name, times: [] });
      call.times.push(ms);

    };
    const plain = await makeStep(lib, () => {});
    const timed = await makeStep(lib, (backend) => {
      const kernel = backend.kernel.bind(backend);
      const wrapped = new Map<string, KernelFn>();
      backend.kernel = (family, dtype) => {
        const name = typeof family === 'string' ? family : family.name;
        const key = `${name} ${dtype}`;
        let fn = wrapped.get(key);
        if (fn === undefined) {
          const inner = kernel(family, dtype);
          fn = (...args) => {
            const start = performance.now();
            const result = inner(...args);
            record(name, performance.now() - start);
            return result;
          };
          wrapped.set(key, fn);
        }
        return fn;
      };
    });
    const noKernel: KernelFn = () => 0;
    const withoutGemms = await makeStep(lib, (backend) => {
      const kernel = backend.kernel.bind(backend);
      backend.kernel = (family, dtype) => ((typeof family === 'string' ? family : family.name) === 'gemm' ? noKernel : kernel(family, dtype));
    });
    const scriptOnly = await makeStep(lib, (backend) => {
      backend.kernel = () => noKernel;
    });
    subject = new Subject(label, plain, timed, withoutGemms, scriptOnly);
    return subject;
  }

  runBlock(record: boolean): void {
    for (let i = 0; i < BLOCK; i++) {
      const start = performance.now();
      this.plain();
      if (record) this.stepTimes.push(performance.now() - start);
    }
    for (let i = 0; i < BLOCK; i++) {
      this.position = 0;
      const start = performance.now();
      this.timed();
      if (record) this.timedStepTimes.push(performance.now() - start);
    }
    for (let i = 0; i < BLOCK; i++) {
      const start = performance.now();
      this.withoutGemms();
      if (record) this.remainders.push(performance.now() - start);
    }
    if (!record) for (const c of this.calls) c.times.length = 0;
    for (let i = 0; i < BLOCK; i++) {
      const start = performance.now();
      this.scriptOnly();
      if (record) this.scriptTimes.push(performance.now() - start);
    }
  }

  report(): { step: number; remainder: number } {
    const us = (ms: number) => `${(ms * 1e3).toFixed(1).padStart(7)} µs`;
    const step = median(this.stepTimes);
    let gemms = 0;
    let others = 0;
    console.log(`\n${this.label}`);
    for (const c of this.calls) {
      const m = median(c.times);
      if (c.name === 'gemm') gemms += m;
      else others += m;
      console.log(`  ${us(m)}  ${c.name}`);
    }
    const remainder = median(this.remainders);
    console.log(`  step ${us(step)} | its GEMMs ${us(gemms)} | remainder (the step without GEMMs) ${us(remainder)}`);
    console.log(`  the remainder's kernels ${us(others)} | TypeScript alone ${us(median(this.scriptTimes))} | timed step ${us(median(this.timedStepTimes))}`);
    return { step, remainder };
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const rounds = Number(option('--rounds') ?? 30);
  const beforeDir = option('--before');
  const subjects = [await Subject.make('this build', current)];
  if (beforeDir !== undefined) subjects.push(await Subject.make(`before (${beforeDir})`, (await import(`${beforeDir}/dist/index.js`)) as Library));
  const loadBefore = loadavg()[0];
  for (let r = 0; r < 3; r++) for (const s of subjects) s.runBlock(false);
  for (let r = 0; r < rounds; r++) for (const s of subjects) s.runBlock(true);
  const results = subjects.map((s) => s.report());
  if (results.length === 2) {
    const [now, before] = results;
    console.log(`\nremainder now / before: ${(now.remainder / before.remainder).toFixed(2)}; step now / before: ${(now.step / before.step).toFixed(3)}`);
  }
  console.log(`load average ${loadBefore.toFixed(1)} -> ${loadavg()[0].toFixed(1)}, ${rounds} rounds of ${BLOCK} steps per copy`);
}

await main();
