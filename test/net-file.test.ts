import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBackend, Sequential, TwoLayerNet, MultiLayerNet, Affine, MatMul, LeakyReLU, ELU, Tanh, Dropout, Add,
  SigmoidWithLoss, MeanSquaredError, SGD, netSpec, buildNet, encodeSafetensors,
  saveNet, loadNet, loadNetWeights, netToSafetensors, netFromSafetensors, loadNetWeightsFromSafetensors,
} from '../src/index.js';
import type { Backend, FloatDType, Tensor } from '../src/index.js';
import * as browser from '../src/browser.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const backends = {} as Record<FloatDType, Backend>;
let dir: string;

beforeAll(async () => {
  backends.float64 = await createBackend({ dtype: 'float64', seed: 3 });
  backends.float32 = await createBackend({ dtype: 'float32', seed: 3 });
  dir = await mkdtemp(join(tmpdir(), 'scratchnet-net-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The safetensors layout read straight from the format description, independently of
 * src/io/safetensors.ts: u64 LE header length, JSON header, then the raw little-endian buffer.
 */
function readSafetensorsByHand(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, any>;
  const start = 8 + headerLength;
  const tensors: Record<string, { dtype: string; shape: number[]; values: number[] }> = {};
  let covered = 0;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__');
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  for (const [name, { dtype, shape, data_offsets: [begin, end] }] of entries) {
    expect(begin).toBe(covered); // the buffer is tiled without holes or overlaps
    covered = end;
    const size = dtype === 'F64' ? 8 : 4;
    const values: number[] = [];
    for (let at = start + begin; at < start + end; at += size) {
      values.push(size === 8 ? view.getFloat64(at, true) : view.getFloat32(at, true));
    }
    expect(values.length).toBe(shape.reduce((a: number, b: number) => a * b, 1));
    tensors[name] = { dtype, shape, values };
  }
  expect(start + covered).toBe(bytes.length);
  return { metadata: header.__metadata__ as Record<string, string>, tensors };
}

/** Nudges every param (biases start at zero) with a few SGD steps on random data. */
function trainALittle(net: Sequential, inputSize: number, classes: number): void {
  const b = net.backend;
  const x = b.randn([8, inputSize], { seed: 1, dtype: net.dtype });
  const t = net.lossLayer instanceof SigmoidWithLoss
    ? b.tensor(Array.from({ length: 8 * classes }, (_, i) => i % 3 === 0 ? 1 : 0), [8, classes], net.dtype)
    : net.lossLayer instanceof MeanSquaredError
      ? b.randn([8, classes], { seed: 2, dtype: net.dtype })
      : b.tensor(Array.from({ length: 8 }, (_, i) => i % classes), [8], 'int32');
  const sgd = new SGD(0.1);
  for (let i = 0; i < 3; i++) {
    net.gradient(x, t);
    sgd.update(net);
  }
  x.dispose();
  t.dispose();
}

function predictBytes(net: Sequential, x: Tensor): Uint8Array {
  const y = net.predict(x);
  const bytes = new Uint8Array(y.toTypedArray().buffer);
  y.dispose();
  return bytes;
}

type Maker = { name: string; inputSize: number; classes: number; make: (backend: Backend, dtype: FloatDType) => Sequential };

const makers: Maker[] = [
  {
    name: 'TwoLayerNet (sigmoid)',
    inputSize: 12,
    classes: 4,
    make: (backend, dtype) => new TwoLayerNet(12, 7, 4, 0.5, { backend, dtype, activation: 'sigmoid', seed: 5 }),
  },
  {
    name: 'MultiLayerNet (dropout, weight decay, elu)',
    inputSize: 9,
    classes: 3,
    make: (backend, dtype) =>
      new MultiLayerNet({ inputSize: 9, hiddenSizes: [6, 5], outputSize: 3, activation: 'elu', dropout: 0.3, weightDecay: 0.01 }, { backend, dtype, seed: 6 }),
  },
  {
    name: 'Sequential (matmul, leaky relu alpha, tanh, dropout, sigmoid loss)',
    inputSize: 5,
    classes: 2,
    make: (backend, dtype) =>
      new Sequential(
        [
          new MatMul(backend.randn([5, 6], { seed: 7, dtype })),
          new LeakyReLU(0.2),
          new Dropout(0.25),
          new Affine(backend.randn([6, 4], { seed: 8, dtype }), backend.randn([4], { seed: 9, dtype })),
          new Tanh(),
          new Affine(backend.randn([4, 2], { seed: 10, dtype }), backend.zeros([2], dtype)),
        ],
        new SigmoidWithLoss(),
      ),
  },
  {
    name: 'Sequential (elu alpha, mean squared error)',
    inputSize: 3,
    classes: 3,
    make: (backend, dtype) =>
      new Sequential(
        [new Affine(backend.randn([3, 4], { seed: 11, dtype }), backend.zeros([4], dtype)), new ELU(0.5), new Affine(backend.randn([4, 3], { seed: 12, dtype }), backend.zeros([3], dtype))],
        new MeanSquaredError(),
        { weightDecay: 0.001 },
      ),
  },
];

describe('saving and loading nets', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const m of makers) {
      it(`${m.name}, ${dtype}: netToSafetensors -> netFromSafetensors and saveNet -> loadNet predict bit for bit the same`, async () => {
        const backend = backends[dtype];
        const net = m.make(backend, dtype);
        trainALittle(net, m.inputSize, m.classes);
        const x = backend.randn([5, m.inputSize], { seed: 13, dtype });
        const expected = predictBytes(net, x);

        const bytes = netToSafetensors(net);
        const copy = netFromSafetensors(bytes, { backend });
        expect(copy.constructor).toBe(net.constructor);
        expect(copy.dtype).toBe(dtype);
        expect(netSpec(copy)).toEqual(netSpec(net));
        expect(copy.weightDecay).toBe(net.weightDecay);
        expect(predictBytes(copy, x)).toEqual(expected);

        const path = join(dir, `${m.name.split(' ')[0]}-${dtype}.safetensors`);
        await saveNet(net, path);
        const loaded = await loadNet(path, { backend });
        expect(predictBytes(loaded, x)).toEqual(expected);

        // Into an existing net of the same architecture, different weights.
        const other = buildNet(netSpec(net), { backend, dtype });
        expect(predictBytes(other, x)).not.toEqual(expected);
        await loadNetWeights(other, path);
        expect(predictBytes(other, x)).toEqual(expected);

        // The file, read by hand: every param by name, dtype and shape, and the architecture.
        const { metadata, tensors } = readSafetensorsByHand(new Uint8Array(await readFile(path)));
        expect(metadata.format).toBe('scratchnet');
        expect(metadata.version).toBe('1');
        expect(JSON.parse(metadata.net)).toEqual(netSpec(net));
        expect(Object.keys(tensors).sort()).toEqual([...net.paramNames].sort());
        net.params.forEach((p, i) => {
          const t = tensors[net.paramNames[i]];
          expect(t.dtype).toBe(dtype === 'float32' ? 'F32' : 'F64');
          expect(t.shape).toEqual(p.shape);
          expect(t.values).toEqual(Array.from(p.data as Float64Array));
        });
        for (const n of [net, copy, loaded, other]) n.dispose();
        x.dispose();
      });
    }
  }

  it('names the params W1, b1, W2, b2 and describes a TwoLayerNet by its config', () => {
    const net = new TwoLayerNet(784, 50, 10, 0.01, { backend: backends.float32, activation: 'sigmoid', seed: 1 });
    expect(net.paramNames).toEqual(['W1', 'b1', 'W2', 'b2']);
    expect(netSpec(net)).toEqual({
      net: 'two-layer',
      config: { inputSize: 784, hiddenSize: 50, outputSize: 10, weightInitStd: 0.01, activation: 'sigmoid' },
      layers: [{ type: 'affine', inputSize: 784, outputSize: 50 }, { type: 'sigmoid' }, { type: 'affine', inputSize: 50, outputSize: 10 }],
      loss: 'softmax-with-loss',
      weightDecay: 0,
    });
    net.dispose();
  });

  it('refuses to describe a layer a file cannot rebuild', () => {
    const b = backends.float32;
    const net = new Sequential([new Affine(b.zeros([2, 2]), b.zeros([2])), new Add()]);
    expect(() => netToSafetensors(net)).toThrow(/^netSpec: layer Add cannot be saved/);
    net.dispose();
  });

  it('works through the browser entry, which has no file functions: the same bytes, the same net', () => {
    const backend = backends.float32;
    const net = new TwoLayerNet(6, 5, 3, 0.5, { backend, seed: 8 });
    const x = backend.randn([4, 6], { seed: 2 });
    const bytes = browser.netToSafetensors(net);
    expect(bytes).toEqual(netToSafetensors(net));
    const copy = browser.netFromSafetensors(bytes, { backend });
    expect(predictBytes(copy, x)).toEqual(predictBytes(net, x));
    const other = new TwoLayerNet(6, 5, 3, 0.5, { backend, seed: 9 });
    browser.loadNetWeightsFromSafetensors(other, bytes);
    expect(predictBytes(other, x)).toEqual(predictBytes(net, x));
    expect('saveNet' in browser).toBe(false);
    for (const n of [net, copy, other, x]) n.dispose();
  });
});

describe('rejecting wrong files', () => {
  const backend = () => backends.float32;
  const small = () => new TwoLayerNet(4, 3, 2, 0.5, { backend: backend(), seed: 2 });
  const x = () => backend().tensor([0.1, -0.2, 0.3, 0.4, 1, 2, 3, 4], [2, 4]);

  it('rejects a bad header, a truncated body and trailing bytes with the file name', () => {
    const net = small();
    const bytes = netToSafetensors(net);
    const header = new Uint8Array(bytes);
    header[9] = 0x7b; // '{' where '"' was: no longer JSON
    expect(() => netFromSafetensors(header, { backend: backend() }, 'm.safetensors')).toThrow(/^m\.safetensors: header is not valid JSON/);
    expect(() => netFromSafetensors(bytes.subarray(0, bytes.length - 5), { backend: backend() }, 'm.safetensors')).toThrow(
      /^m\.safetensors: tensor '\w+' data_offsets \[\d+, \d+\] run past the \d+-byte data buffer \(truncated file\?\)/,
    );
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => loadNetWeightsFromSafetensors(net, longer, 'm.safetensors')).toThrow(/^m\.safetensors: tensors cover \d+ bytes but the data buffer holds \d+/);
    expect(() => netFromSafetensors(new Uint8Array(3), { backend: backend() }, 'm')).toThrow(/^m: 3 bytes is too short/);
    net.dispose();
  });

  it('rejects missing, extra, wrongly shaped and wrongly typed tensors, leaving the net unchanged', () => {
    const net = small();
    const input = x();
    const before = predictBytes(net, input);
    const W = (shape: number[], dtype: 'F32' | 'F64' = 'F32') => ({
      dtype,
      shape,
      data: dtype === 'F32' ? new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(7) : new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(7),
    });
    const weightsOnly = (t: Record<string, ReturnType<typeof W>>) => encodeSafetensors(t);
    const good = { W1: W([4, 3]), b1: W([3]), W2: W([3, 2]), b2: W([2]) };
    const { b2: _, ...missing } = good;
    expect(() => loadNetWeightsFromSafetensors(net, weightsOnly(missing), 'f')).toThrow("f: lacks b2; the net's params are W1, b1, W2, b2");
    expect(() => loadNetWeightsFromSafetensors(net, weightsOnly({ ...good, W3: W([1]) }), 'f')).toThrow('f: has tensors the net does not (W3)');
    expect(() => loadNetWeightsFromSafetensors(net, weightsOnly({ ...good, W2: W([2, 3]) }), 'f')).toThrow("f: tensor 'W2' has shape (2, 3), the net's is (3, 2)");
    expect(() => loadNetWeightsFromSafetensors(net, weightsOnly({ ...good, b1: W([3], 'F64') }), 'f')).toThrow(/^f: tensor 'b1' is F64 but the net is float32/);
    expect(predictBytes(net, input)).toEqual(before);
    // Weights saved by another tool (no scratchnet metadata) load by name when they fit.
    loadNetWeightsFromSafetensors(net, weightsOnly(good), 'f');
    expect(Array.from(net.params[0].data)).toEqual(new Array(12).fill(7));
    expect(() => netFromSafetensors(weightsOnly(good), { backend: backend() }, 'f')).toThrow(/^f: no scratchnet architecture in the metadata/);
    net.dispose();
    input.dispose();
  });

  it('rejects a file whose architecture or metadata is wrong', () => {
    const net = small();
    const bigger = new TwoLayerNet(4, 5, 2, 0.5, { backend: backend(), seed: 2 });
    expect(() => loadNetWeightsFromSafetensors(net, netToSafetensors(bigger), 'big')).toThrow(
      'big: the file holds a different architecture (affine(4->5) relu affine(5->2) softmax-with-loss) than this net (affine(4->3) relu affine(3->2) softmax-with-loss)',
    );
    const tensors = Object.fromEntries(net.params.map((p, i) => [net.paramNames[i], { dtype: 'F32' as const, shape: [...p.shape], data: p.toTypedArray() as Float32Array }]));
    const spec = netSpec(net);
    const withMeta = (meta: Record<string, string>) => encodeSafetensors(tensors, meta);
    const open = (meta: Record<string, string>) => () => netFromSafetensors(withMeta(meta), { backend: backend() }, 'f');
    expect(open({ format: 'scratchnet', version: '2', net: JSON.stringify(spec) })).toThrow('f: scratchnet file version "2" is not supported (this build reads version 1)');
    expect(open({ format: 'keras', version: '1', net: '{}' })).toThrow('f: metadata format is "keras", expected "scratchnet"');
    expect(open({ format: 'scratchnet', version: '1' })).toThrow('f: metadata lacks "net", the architecture');
    expect(open({ format: 'scratchnet', version: '1', net: '{"net":' })).toThrow(/^f: metadata "net" is not valid JSON/);
    const badLayer = { ...spec, layers: [spec.layers[0], { type: 'swish' }, spec.layers[2]] };
    expect(open({ format: 'scratchnet', version: '1', net: JSON.stringify(badLayer) })).toThrow('f: net spec: layer 1 has unknown type "swish"');
    const broken = { ...spec, layers: [spec.layers[0], spec.layers[1], { type: 'affine', inputSize: 4, outputSize: 2 }] };
    expect(open({ format: 'scratchnet', version: '1', net: JSON.stringify(broken) })).toThrow('f: net spec: layer 2 (affine) takes 4 inputs but the layer before gives 3');
    // The config builds the net; layers that disagree with it are a wrong file.
    const disagree = { ...spec, layers: [spec.layers[0], { type: 'tanh' }, spec.layers[2]] };
    expect(open({ format: 'scratchnet', version: '1', net: JSON.stringify(disagree) })).toThrow(/^buildNet: the two-layer config builds layers .*relu.*, not the spec's .*tanh/);
    // Shapes in the header that disagree with the architecture.
    const wrongShape = encodeSafetensors({ ...tensors, W2: { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) } }, { format: 'scratchnet', version: '1', net: JSON.stringify(spec) });
    expect(() => netFromSafetensors(wrongShape, { backend: backend() }, 'f')).toThrow("f: tensor 'W2' has shape (2, 3), the net's is (3, 2)");
    net.dispose();
    bigger.dispose();
  });

  it('says which file could not be read', async () => {
    await expect(loadNet(join(dir, 'nope.safetensors'), { backend: backend() })).rejects.toThrow(`loadNet: cannot read ${join(dir, 'nope.safetensors')}: no such file`);
  });
});

describe('atomic save', () => {
  it('leaves no temporary file, and a failing write leaves the old file intact', async () => {
    const folder = await mkdtemp(join(dir, 'atomic-'));
    const path = join(folder, 'net.safetensors');
    const net = new TwoLayerNet(784, 30, 10, 0.01, { backend: backends.float32, seed: 4 });
    await saveNet(net, path);
    expect(await readdir(folder)).toEqual(['net.safetensors']);
    const old = await readFile(path);

    // A child process limited to 4 KiB files (ulimit -f) fails mid-write with EFBIG: Node ignores SIGXFSZ.
    const script = `
      import { createBackend, TwoLayerNet, saveNet } from ${JSON.stringify(join(repoRoot, 'dist/index.js'))};
      await createBackend();
      const net = new TwoLayerNet(784, 40, 10, 0.01, { seed: 9 });
      try { await saveNet(net, ${JSON.stringify(path)}); console.log('saved'); } catch (e) { console.log(e.message); }`;
    await writeFile(join(folder, 'child.mjs'), script);
    const { stdout } = await promisify(execFile)('bash', ['-c', `ulimit -f 4; exec node ${join(folder, 'child.mjs')}`]);
    expect(stdout).toMatch(new RegExp(`^saveNet: cannot write ${path.replace(/[.]/g, '\\.')}: EFBIG`));
    expect(await readFile(path)).toEqual(old);
    expect((await readdir(folder)).sort()).toEqual(['child.mjs', 'net.safetensors']);
    net.dispose();
  });
});
