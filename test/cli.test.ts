import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { createBackend, loadNet } from '../src/index.js';
import { parseTrainArgs } from '../src/cli/train-options.js';

// The command as installed: the bundled dist/cli/scratchnet.js, the package's bin (`npm test` builds it first).
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const main = join(repoRoot, 'dist/cli/scratchnet.js');
const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(repoRoot, '../shared/datasets/mnist');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function scratchnet(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [main, ...args], { cwd: tmp, env: { ...process.env, SCRATCHNET_DATA: '' } }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** A failure is exactly one line on stderr, without a stack trace. */
function expectOneLineError(run: Run, code: number, pattern: RegExp): void {
  expect(run.code).toBe(code);
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

let tmp: string;
/** The first 5,000 training and 1,000 test samples of MNIST as a set of its own, so each run loads in a blink. */
let smallDir: string;
let smallTestLabels: Uint8Array;

async function firstSamples(name: string, count: number, headerLength: number, sampleSize: number): Promise<Uint8Array> {
  const whole = gunzipSync(await readFile(join(mnistDir, `${name}.gz`)));
  const part = new Uint8Array(whole.subarray(0, headerLength + count * sampleSize));
  new DataView(part.buffer).setUint32(4, count, false); // the count in the header
  return part;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'scratchnet-cli-'));
  smallDir = join(tmp, 'mnist-small');
  await mkdir(smallDir);
  for (const [prefix, count] of [['train', 5000], ['t10k', 1000]] as const) {
    const images = await firstSamples(`${prefix}-images-idx3-ubyte`, count, 16, 784);
    const labels = await firstSamples(`${prefix}-labels-idx1-ubyte`, count, 8, 1);
    await writeFile(join(smallDir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(images, { level: 1 }));
    await writeFile(join(smallDir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(labels, { level: 1 }));
    if (prefix === 't10k') smallTestLabels = labels.subarray(8);
  }
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('scratchnet: usage', () => {
  it('--version prints the package version; --help lists every command', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
    const [version, help] = await Promise.all([scratchnet('--version'), scratchnet('--help')]);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${pkg.version}\n`);
    expect(help.code).toBe(0);
    for (const command of ['train', 'eval', 'export', '--version']) expect(help.stdout).toContain(command);
  });

  it('train --help lists every option with its default', async () => {
    const run = await scratchnet('train', '--help');
    expect(run.code).toBe(0);
    for (const option of [
      '--net two-layer|mlp', '--hidden 100,50', '--activation', '--optimizer', 'sgd|momentum|nesterov|adagrad|rmsprop|adam', '--lr',
      '--lr-schedule NAME', 'constant|linear|step|cosine|one-cycle', '--warmup N',
      '--batch-size', '--epochs', '--iterations', '--weight-decay', '--dropout', '--dtype float32|float64', '--seed', '--data DIR',
      '--save FILE', '--plot FILE.svg', '--json', '--dense', '--train-accuracy running|full',
    ]) {
      expect(run.stdout).toContain(option);
    }
    expect(run.stdout).toMatch(/--epochs N .*\(default: 3; 2 for conv, 8 for deep-conv,\s+4 for two-layer and simple-conv\)/);
    expect(run.stdout).toMatch(/--batch-size N .*\(default: 100\)/);
  });

  it('exits 2 with one line for an unknown option, a bad value or command, and a missing --model', async () => {
    const runs = await Promise.all([
      scratchnet('train', '--bogus'),
      scratchnet('train', '--optimizer', 'adamw'),
      scratchnet('train', '--hidden', '100,x'),
      scratchnet('train', '--epochs', '2', '--iterations', '10'),
      scratchnet('fly'),
      scratchnet('eval'),
      scratchnet('train', '--threads', '0'),
      scratchnet('train', '--lr-schedule', 'exponential'),
      scratchnet('train', '--data', smallDir, '--iterations', '10', '--warmup', '10'),
      scratchnet('train', '--train-accuracy', 'batch'),
    ]);
    expectOneLineError(runs[0], 2, /^scratchnet train: Unknown option '--bogus' \(see scratchnet train --help\)$/);
    expectOneLineError(runs[1], 2, /^scratchnet train: --optimizer must be one of sgd, momentum, nesterov, adagrad, rmsprop, adam, got 'adamw'/);
    expectOneLineError(runs[2], 2, /^scratchnet train: --hidden must be sizes separated by commas such as 100,50, got '100,x'/);
    expectOneLineError(runs[3], 2, /give --epochs or --iterations, not both/);
    expectOneLineError(runs[4], 2, /^scratchnet: unknown command 'fly'/);
    expectOneLineError(runs[5], 2, /^scratchnet eval: eval needs --model FILE/);
    expectOneLineError(runs[6], 2, /^scratchnet train: --threads must be a positive integer, got '0'/);
    expectOneLineError(runs[7], 2, /^scratchnet train: --lr-schedule must be one of constant, linear, step, cosine, one-cycle, got 'exponential'/);
    expectOneLineError(runs[8], 2, /^scratchnet train: --warmup 10 leaves none of the run's 10 steps to the schedule/);
    expectOneLineError(runs[9], 2, /^scratchnet train: --train-accuracy must be one of running, full, got 'batch'/);
  });

  it('exits 1 with one line for a missing data folder or a corrupt model file', async () => {
    await writeFile(join(tmp, 'corrupt.safetensors'), new Uint8Array([16, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22]));
    const [noData, corrupt] = await Promise.all([
      scratchnet('train', '--data', join(tmp, 'no-such-folder'), '--iterations', '1'),
      scratchnet('eval', '--model', join(tmp, 'corrupt.safetensors'), '--data', smallDir),
    ]);
    expectOneLineError(noData, 1, /^scratchnet train: .*no-such-folder \(from the dir option\) does not exist$/);
    expectOneLineError(corrupt, 1, /^scratchnet eval: .*corrupt\.safetensors: header length 16 runs past the end of the 10-byte file/);
  });
});

describe('scratchnet: training and evaluating', () => {
  it('trains a short --iterations run, prints the JSON line, saves a net that eval scores the same', async () => {
    const model = join(tmp, 'net.safetensors');
    const plot = join(tmp, 'loss.svg');
    const run = await scratchnet(
      'train', '--data', smallDir, '--hidden', '32', '--iterations', '80', '--seed', '7', '--json', '--save', model, '--plot', plot,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1); // with --json, stdout holds only the result
    const result = JSON.parse(lines[0]);
    expect(Object.keys(result)).toEqual(['testAccuracy', 'trainAccuracy', 'trainAccuracyMode', 'seconds', 'loadSeconds', 'samplesPerSecond', 'epochs', 'iterations', 'dtype']);
    expect(result.trainAccuracyMode).toBe('running');
    // 50 steps make an epoch of the 5,000 samples: 80 iterations are the book's 1.6 "epochs".
    expect(result.iterations).toBe(80);
    expect(result.epochs).toBe(2);
    expect(result.dtype).toBe('float32');
    expect(result.testAccuracy).toBeGreaterThan(0.8);
    expect(result.samplesPerSecond).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/^epoch 1\/2 {2}loss \d\.\d{4} {2}train \d+\.\d\d% \(running\) {2}test \d+\.\d\d% /m);
    expect(run.stderr).toMatch(/^epoch 2\/2 /m);
    expect(await readFile(plot, 'utf8')).toMatch(/<svg[\s\S]*<\/svg>\s*$/);
    expect((await readdir(tmp)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // The same run with dense first-layer batches: the same steps, summed in another order; the
    // train accuracy from a pass over the whole training set, as the book's Trainer measures it.
    const dense = await scratchnet('train', '--data', smallDir, '--hidden', '32', '--iterations', '80', '--seed', '7', '--json', '--dense', '--train-accuracy', 'full');
    expect(dense.code).toBe(0);
    const denseResult = JSON.parse(dense.stdout);
    expect(Math.abs(denseResult.testAccuracy - result.testAccuracy)).toBeLessThanOrEqual(0.002);
    expect(denseResult.trainAccuracyMode).toBe('full');
    expect(dense.stderr).toMatch(/^epoch 1\/2 {2}loss \d\.\d{4} {2}train \d+\.\d\d% {2}test \d+\.\d\d% /m);

    const evaluated = await scratchnet('eval', '--model', model, '--data', smallDir, '--json', '--batch-size', '300');
    expect(evaluated.code).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    expect(report.testAccuracy).toBe(result.testAccuracy);
    expect(report.singleImageAccuracy).toBe(report.testAccuracy);
    expect(report.samples).toBe(1000);
    const confusion = report.confusion as number[][];
    expect(confusion.reduce((s, row, i) => s + row[i], 0) / 1000).toBe(report.testAccuracy);
    // Row sums are the test set's class counts.
    const counts = new Array(10).fill(0);
    for (const label of smallTestLabels) counts[label]++;
    expect(confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(counts);

    const table = await scratchnet('eval', '--model', model, '--data', smallDir);
    expect(table.stdout).toContain(`test accuracy ${(report.testAccuracy * 100).toFixed(2)}% on 1000 samples`);
    expect(table.stdout).toMatch(/^true\\pred +0 +1 +2 +3 +4 +5 +6 +7 +8 +9 +recall$/m);

    // export: the ONNX model, run by onnxruntime-web, predicts what the saved net predicts.
    const onnxPath = join(tmp, 'net.onnx');
    const exported = await scratchnet('export', '--model', model, '--onnx', onnxPath);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^wrote .*net\.onnx \(\d+ bytes, float32, Affine\(784 -> 32\) ReLU Affine\(32 -> 10\)\)$/m);
    const net = await loadNet(model, { backend: await createBackend({ threads: 1 }) });
    const images = (await firstSamples('t10k-images-idx3-ubyte', 100, 16, 784)).subarray(16);
    const x = net.backend.empty([100, 784], 'float32').set(Array.from(images, (v) => v / 255));
    const expected = net.predict(x).toTypedArray();
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(await readFile(onnxPath));
    const { scores } = await session.run({ input: new ort.Tensor('float32', x.toTypedArray() as Float32Array, [100, 784]) });
    const diffs = Array.from(scores.data as Float32Array, (v, i) => Math.abs(v - expected[i]));
    expect(Math.max(...diffs)).toBeLessThan(1e-5);
    net.dispose();
    net.backend.dispose();
  });

  it('export checks its command line and its model file', async () => {
    const runs = await Promise.all([
      scratchnet('export', '--onnx', join(tmp, 'x.onnx')),
      scratchnet('export', '--model', join(tmp, 'none.safetensors')),
      scratchnet('export', '--model', 'a', '--onnx', 'b', '--dtype', 'float16'),
      scratchnet('export', '--model', 'a', '--onnx', 'b', '--input-shape', '1,x'),
      scratchnet('export', '--model', join(tmp, 'none.safetensors'), '--onnx', join(tmp, 'x.onnx')),
      scratchnet('export', '--help'),
    ]);
    expectOneLineError(runs[0], 2, /^scratchnet export: export needs --model FILE/);
    expectOneLineError(runs[1], 2, /^scratchnet export: export needs --onnx FILE/);
    expectOneLineError(runs[2], 2, /^scratchnet export: --dtype must be float32 or float64, got 'float16'/);
    expectOneLineError(runs[3], 2, /^scratchnet export: --input-shape must be positive integers separated by commas, got '1,x'/);
    expectOneLineError(runs[4], 1, /^scratchnet export: cannot read .*none\.safetensors: no such file$/);
    expect(runs[5].stdout).toContain('Usage: scratchnet export --model FILE --onnx FILE');
  });

  it('trains --net simple-conv on (1, 28, 28) images and eval scores the saved conv net the same', async () => {
    const model = join(tmp, 'conv.safetensors');
    const run = await scratchnet('train', '--net', 'simple-conv', '--data', smallDir, '--iterations', '30', '--seed', '3', '--json', '--save', model);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/simple-conv 1x28x28-conv30x5x5-pool2x2-100-10 relu, adam/);
    const result = JSON.parse(run.stdout.trim());
    expect(result.iterations).toBe(30);
    expect(result.testAccuracy).toBeGreaterThan(0.7);
    const evaluated = await scratchnet('eval', '--model', model, '--data', smallDir, '--json', '--batch-size', '250');
    expect(evaluated.code).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    expect(report.testAccuracy).toBe(result.testAccuracy);
    expect(report.singleImageAccuracy).toBe(report.testAccuracy);
  });

  it('trains --net conv (two convs with batchnorm, 2 epochs by default); eval scores the saved net with its running averages, export writes it as ONNX', async () => {
    const model = join(tmp, 'convnet.safetensors');
    const run = await scratchnet('train', '--net', 'conv', '--data', smallDir, '--iterations', '30', '--seed', '3', '--json', '--save', model);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/conv 1x28x28-conv16x5x5-bn-pool2x2-conv32x5x5-bn-pool2x2-100-10 relu, adam/);
    const result = JSON.parse(run.stdout.trim());
    expect(result.iterations).toBe(30);
    expect(result.testAccuracy).toBeGreaterThan(0.7);
    const evaluated = await scratchnet('eval', '--model', model, '--data', smallDir, '--json', '--batch-size', '250');
    expect(evaluated.code).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    expect(report.testAccuracy).toBe(result.testAccuracy);
    expect(report.singleImageAccuracy).toBe(report.testAccuracy);

    // export without --input-shape: the saved net knows its (1, 28, 28) images; onnxruntime-web
    // runs the model (Conv, BatchNormalization with the running averages, MaxPool, Gemm) as the net predicts.
    const onnxPath = join(tmp, 'convnet.onnx');
    const exported = await scratchnet('export', '--model', model, '--onnx', onnxPath);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^wrote .*convnet\.onnx \(\d+ bytes, float32, Convolution\(1 -> 16, 5x5, stride 1, pad 0\) BatchNormalization\(16\) ReLU Pooling\(max 2x2, stride 2, pad 0\) .* Affine\(100 -> 10\)\)$/m);
    const net = await loadNet(model, { backend: await createBackend({ threads: 1 }) });
    const images = (await firstSamples('t10k-images-idx3-ubyte', 100, 16, 784)).subarray(16);
    const x = net.backend.empty([100, 1, 28, 28], 'float32').set(Array.from(images, (v) => v / 255));
    const expected = net.predict(x).toTypedArray();
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(await readFile(onnxPath));
    const { scores } = await session.run({ input: new ort.Tensor('float32', x.toTypedArray() as Float32Array, [100, 1, 28, 28]) });
    const diffs = Array.from(scores.data as Float32Array, (v, i) => Math.abs(v - expected[i]));
    expect(Math.max(...diffs)).toBeLessThan(1e-5);
    await session.release();
    net.dispose();
    net.backend.dispose();

    expect(parseTrainArgs(['--net', 'conv'])).toMatchObject({ epochs: 2, optimizer: 'adam', lr: 0.006, schedule: 'linear' });
    expect(parseTrainArgs(['--net', 'conv', '--optimizer', 'sgd'])!.lr).toBe(0.1);
    // The book's nets: deep-conv runs the 8 epochs measured to reach 99.3%; simple-conv the usual 4.
    expect(parseTrainArgs(['--net', 'deep-conv'])).toMatchObject({ epochs: 8, optimizer: 'adam', lr: 0.003, hidden: [50] });
    expect(parseTrainArgs(['--net', 'deep-conv', '--epochs', '3'])!.epochs).toBe(3);
    expect(parseTrainArgs(['--net', 'deep-conv', '--iterations', '10'])).toMatchObject({ epochs: null, iterations: 10 });
    expect(parseTrainArgs(['--net', 'simple-conv'])!.epochs).toBe(4);
    expect(parseTrainArgs(['--net', 'two-layer'])!.epochs).toBe(4);
    expect(parseTrainArgs([])).toMatchObject({ net: 'mlp', epochs: 3, optimizer: 'adam', lr: 0.003, schedule: 'linear', hidden: [256, 128] });
    expect(() => parseTrainArgs(['--net', 'conv', '--batchnorm'])).toThrow('--batchnorm needs --net mlp (--net conv always has batchnorm after each conv)');
  });

  it('rejects options that do not fit the chosen net', async () => {
    const runs = await Promise.all([
      scratchnet('train', '--net', 'simple-conv', '--hidden', '100,50'),
      scratchnet('train', '--net', 'simple-conv', '--activation', 'tanh'),
      scratchnet('train', '--net', 'simple-conv', '--dropout', '0.5'),
      scratchnet('train', '--net', 'conv-ish'),
      scratchnet('train', '--net', 'two-layer', '--batchnorm'),
    ]);
    expectOneLineError(runs[0], 2, /^scratchnet train: --net simple-conv has one hidden layer, but --hidden gives 2 sizes \(100,50\)/);
    expectOneLineError(runs[1], 2, /^scratchnet train: --net simple-conv uses relu \(as in the book\), got --activation tanh/);
    expectOneLineError(runs[2], 2, /^scratchnet train: --dropout needs --net mlp \(--net simple-conv has no dropout layers\)/);
    expectOneLineError(runs[3], 2, /^scratchnet train: --net must be one of two-layer, mlp, conv, simple-conv, deep-conv, got 'conv-ish'/);
    expectOneLineError(runs[4], 2, /^scratchnet train: --batchnorm needs --net mlp \(--net two-layer has no batchnorm layers\)/);
  });

  it('trains with a schedule after a warmup, and says so', async () => {
    const run = await scratchnet('train', '--data', smallDir, '--hidden', '32', '--iterations', '60', '--lr-schedule', 'one-cycle', '--warmup', '5', '--json');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/adam lr 0\.003 \(one-cycle schedule\), 5 warmup steps,/);
    expect(JSON.parse(run.stdout).testAccuracy).toBeGreaterThan(0.7);
  });

  it('stops a diverging run naming the epoch and suggesting a lower learning rate', async () => {
    const run = await scratchnet('train', '--data', smallDir, '--optimizer', 'sgd', '--lr', '1e9', '--iterations', '20');
    expectOneLineError(run, 1, /^scratchnet train: loss became NaN or infinite at epoch 1 \(iteration \d+\); try a lower learning rate than 1000000000$/);
  });
});
