/**
 * A net's architecture as plain JSON, so a saved file can rebuild the net that wrote it.
 *
 * Every spec lists the layers and the loss (what the net computes); TwoLayerNet and
 * MultiLayerNet add their `config`, so they come back as themselves. Weights are not part of
 * a spec: they travel as safetensors tensors next to it (io/net-file.ts).
 */
import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { defaultBackend } from '../backend/default-backend.js';
import type { Layer, LossLayer } from '../layers/layer.js';
import { Affine } from '../layers/affine.js';
import { MatMul } from '../layers/matmul.js';
import { Sigmoid } from '../layers/sigmoid.js';
import { ReLU } from '../layers/relu.js';
import { Tanh } from '../layers/tanh.js';
import { LeakyReLU } from '../layers/leaky-relu.js';
import { ELU } from '../layers/elu.js';
import { Identity } from '../layers/identity.js';
import { Softmax } from '../layers/softmax.js';
import { Dropout } from '../layers/dropout.js';
import { Convolution } from '../layers/convolution.js';
import { Pooling } from '../layers/pooling.js';
import { BatchNormalization } from '../layers/batch-normalization.js';
import { Flatten } from '../layers/flatten.js';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss.js';
import { SigmoidWithLoss } from '../layers/sigmoid-with-loss.js';
import { MeanSquaredError } from '../layers/mean-squared-error.js';
import { Sequential } from './sequential.js';
import { TwoLayerNet } from './two-layer-net.js';
import { MultiLayerNet } from './multi-layer-net.js';
import type { MultiLayerNetConfig } from './multi-layer-net.js';
import { SimpleConvNet } from './simple-conv-net.js';
import type { SimpleConvNetConfig } from './simple-conv-net.js';
import { DeepConvNet } from './deep-conv-net.js';
import type { DeepConvNetConfig } from './deep-conv-net.js';
import { ACTIVATIONS, activationLayer, isActivationName } from './activation-by-name.js';
import type { ActivationName } from './activation-by-name.js';

/** One layer of a saved net, as stored in its safetensors `__metadata__`. */
export type LayerSpec =
  | { type: 'affine' | 'matmul'; inputSize: number; outputSize: number }
  | { type: 'relu' | 'sigmoid' | 'tanh' | 'identity' | 'softmax' }
  | { type: 'leaky-relu' | 'elu'; alpha: number }
  | { type: 'dropout'; ratio: number }
  | { type: 'convolution'; inChannels: number; filters: number; filterH: number; filterW: number; stride: number; pad: number }
  | { type: 'pooling'; mode: 'max' | 'avg'; poolH: number; poolW: number; stride: number; pad: number }
  | { type: 'batch-normalization'; channels: number; momentum: number; eps: number }
  | { type: 'flatten' };

/** A saved net's loss layer. */
export type LossSpec = 'softmax-with-loss' | 'sigmoid-with-loss' | 'mean-squared-error';

interface SpecBase {
  layers: LayerSpec[];
  loss: LossSpec;
  weightDecay: number;
  /** One sample's shape (Sequential.inputShape), present when the net records one. */
  inputShape?: number[];
}

/** A saved net's architecture (`netSpec(net)`): its layers and loss, and the config of a named net, so `buildNet` can rebuild it. */
export type NetSpec =
  | (SpecBase & { net: 'two-layer'; config: TwoLayerNet['config'] })
  | (SpecBase & { net: 'multi-layer'; config: Required<MultiLayerNetConfig> })
  | (SpecBase & { net: 'simple-conv'; config: Required<SimpleConvNetConfig> })
  | (SpecBase & { net: 'deep-conv'; config: Required<DeepConvNetConfig> })
  | (SpecBase & { net: 'sequential' });

/** Where a loaded or rebuilt net lives. */
export interface NetBuildOptions {
  /** Default: the default backend. */
  backend?: Backend;
  /** Default: the backend's dtype. */
  dtype?: FloatDType;
}

/** The architecture of `net` (throws for a layer a spec cannot describe, naming it). */
export function netSpec(net: Sequential): NetSpec {
  const base: SpecBase = { layers: net.layers.map(layerSpec), loss: lossSpec(net.lossLayer), weightDecay: net.weightDecay };
  if (net.inputShape !== null) base.inputShape = [...net.inputShape];
  if (net instanceof TwoLayerNet) return { net: 'two-layer', config: { ...net.config }, ...base };
  if (net instanceof MultiLayerNet) return { net: 'multi-layer', config: { ...net.config, hiddenSizes: [...net.config.hiddenSizes] }, ...base };
  if (net instanceof SimpleConvNet) return { net: 'simple-conv', config: { ...net.config, inputDim: [...net.config.inputDim] }, ...base };
  if (net instanceof DeepConvNet) return { net: 'deep-conv', config: { ...net.config, inputDim: [...net.config.inputDim] }, ...base };
  return { net: 'sequential', ...base };
}

function layerSpec(layer: Layer): LayerSpec {
  if (layer instanceof Affine) return { type: 'affine', inputSize: layer.inputSize, outputSize: layer.outputSize };
  if (layer instanceof MatMul) return { type: 'matmul', inputSize: layer.params[0].shape[0], outputSize: layer.params[0].shape[1] };
  if (layer instanceof LeakyReLU) return { type: 'leaky-relu', alpha: layer.alpha };
  if (layer instanceof ELU) return { type: 'elu', alpha: layer.alpha };
  if (layer instanceof ReLU) return { type: 'relu' };
  if (layer instanceof Sigmoid) return { type: 'sigmoid' };
  if (layer instanceof Tanh) return { type: 'tanh' };
  if (layer instanceof Identity) return { type: 'identity' };
  if (layer instanceof Softmax) return { type: 'softmax' };
  if (layer instanceof Dropout) return { type: 'dropout', ratio: layer.ratio };
  if (layer instanceof Convolution) {
    const [filters, inChannels, filterH, filterW] = layer.W.shape;
    return { type: 'convolution', inChannels, filters, filterH, filterW, stride: layer.stride, pad: layer.pad };
  }
  if (layer instanceof Pooling) return { type: 'pooling', mode: layer.mode, poolH: layer.poolH, poolW: layer.poolW, stride: layer.stride, pad: layer.pad };
  if (layer instanceof BatchNormalization) return { type: 'batch-normalization', channels: layer.channels, momentum: layer.momentum, eps: layer.eps };
  if (layer instanceof Flatten) return { type: 'flatten' };
  throw new Error(
    `netSpec: layer ${layer.label} cannot be saved; a saved net holds Affine, MatMul, Convolution, Pooling, ` +
      'BatchNormalization, Flatten, Dropout and activation layers only',
  );
}

function lossSpec(loss: LossLayer): LossSpec {
  if (loss instanceof SoftmaxWithLoss) return 'softmax-with-loss';
  if (loss instanceof SigmoidWithLoss) return 'sigmoid-with-loss';
  if (loss instanceof MeanSquaredError) return 'mean-squared-error';
  throw new Error(`netSpec: loss layer ${loss.label} cannot be saved (expected SoftmaxWithLoss, SigmoidWithLoss or MeanSquaredError)`);
}

/**
 * A new net of the spec's architecture, weights freshly initialized (load them next). The spec
 * is checked first (`checkNetSpec`): a wrong one throws, never builds half a net.
 */
export function buildNet(spec: unknown, options: NetBuildOptions = {}): Sequential {
  const s = checkNetSpec(spec);
  const backend = options.backend ?? defaultBackend();
  const dtype = options.dtype ?? backend.dtype;
  let net: Sequential;
  if (s.net === 'two-layer') {
    const c = s.config;
    net = new TwoLayerNet(c.inputSize, c.hiddenSize, c.outputSize, c.weightInitStd, { activation: c.activation, backend, dtype, seed: 0 });
  } else if (s.net === 'multi-layer') {
    net = new MultiLayerNet(s.config, { backend, dtype, seed: 0 });
  } else if (s.net === 'simple-conv') {
    net = new SimpleConvNet(s.config, { backend, dtype, seed: 0 });
  } else if (s.net === 'deep-conv') {
    net = new DeepConvNet(s.config, { backend, dtype, seed: 0 });
  } else {
    const layers = s.layers.map((l) => buildLayer(l, backend, dtype));
    net = new Sequential(layers, buildLoss(s.loss), { inputShape: s.inputShape });
  }
  net.weightDecay = s.weightDecay;
  // The config decides what is built; the layer list must agree with it.
  const built = JSON.stringify(netSpec(net).layers);
  if (built !== JSON.stringify(s.layers) || lossSpec(net.lossLayer) !== s.loss) {
    net.dispose();
    throw new Error(`buildNet: the ${s.net} config builds layers ${built}, not the spec's ${JSON.stringify(s.layers)}`);
  }
  return net;
}

function buildLayer(spec: LayerSpec, backend: Backend, dtype: FloatDType): Layer {
  switch (spec.type) {
    case 'affine':
      return new Affine(backend.zeros([spec.inputSize, spec.outputSize], dtype), backend.zeros([spec.outputSize], dtype));
    case 'matmul':
      return new MatMul(backend.zeros([spec.inputSize, spec.outputSize], dtype));
    case 'relu':
    case 'sigmoid':
    case 'tanh':
    case 'identity':
      return activationLayer(spec.type);
    case 'leaky-relu':
    case 'elu':
      return activationLayer(spec.type, spec.alpha);
    case 'softmax':
      return new Softmax();
    case 'dropout':
      return new Dropout(spec.ratio);
    case 'convolution':
      return new Convolution(
        backend.zeros([spec.filters, spec.inChannels, spec.filterH, spec.filterW], dtype),
        backend.zeros([spec.filters], dtype),
        spec.stride,
        spec.pad,
      );
    case 'pooling':
      return new Pooling(spec.poolH, spec.poolW, spec.stride, spec.pad, spec.mode);
    case 'batch-normalization':
      return new BatchNormalization(backend.ones([spec.channels], dtype), backend.zeros([spec.channels], dtype), spec.momentum, { eps: spec.eps });
    case 'flatten':
      return new Flatten();
  }
}

function buildLoss(loss: LossSpec): LossLayer {
  if (loss === 'softmax-with-loss') return new SoftmaxWithLoss();
  if (loss === 'sigmoid-with-loss') return new SigmoidWithLoss();
  return new MeanSquaredError();
}

// --- checking a spec read from a file -------------------------------------------

const LOSSES: readonly string[] = ['softmax-with-loss', 'sigmoid-with-loss', 'mean-squared-error'];
const PLAIN_LAYERS: readonly string[] = ['relu', 'sigmoid', 'tanh', 'identity', 'softmax', 'flatten'];

function fail(why: string): never {
  throw new Error(`net spec: ${why}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) <= 0) fail(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function nonNegativeInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 0) fail(`${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function boolean(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') fail(`${what} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function finiteNumber(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function activation(v: unknown, what: string): ActivationName {
  if (!isActivationName(v)) fail(`${what} must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(v)}`);
  return v;
}

/** `value` as a NetSpec, or an Error saying what is wrong with it ("net spec: ..."). */
export function checkNetSpec(value: unknown): NetSpec {
  if (!isObject(value)) fail(`expected an object, got ${JSON.stringify(value)}`);
  const { net, layers, loss, weightDecay } = value;
  if (!Array.isArray(layers) || layers.length === 0) fail('layers must be a non-empty list');
  let width: number | null = null;
  let trained = false;
  const checkedLayers = layers.map((l, i): LayerSpec => {
    const where = `layer ${i}`;
    if (!isObject(l)) fail(`${where} must be an object, got ${JSON.stringify(l)}`);
    const type = l.type;
    if (type === 'affine' || type === 'matmul') {
      const inputSize = positiveInt(l.inputSize, `${where} (${type}) inputSize`);
      const outputSize = positiveInt(l.outputSize, `${where} (${type}) outputSize`);
      if (width !== null && inputSize !== width) fail(`${where} (${type}) takes ${inputSize} inputs but the layer before gives ${width}`);
      width = outputSize;
      trained = true;
      return { type, inputSize, outputSize };
    }
    if (type === 'convolution') {
      trained = true;
      return {
        type,
        inChannels: positiveInt(l.inChannels, `${where} (convolution) inChannels`),
        filters: positiveInt(l.filters, `${where} (convolution) filters`),
        filterH: positiveInt(l.filterH, `${where} (convolution) filterH`),
        filterW: positiveInt(l.filterW, `${where} (convolution) filterW`),
        stride: positiveInt(l.stride, `${where} (convolution) stride`),
        pad: nonNegativeInt(l.pad, `${where} (convolution) pad`),
      };
    }
    if (type === 'pooling') {
      if (l.mode !== 'max' && l.mode !== 'avg') fail(`${where} (pooling) mode must be max or avg, got ${JSON.stringify(l.mode)}`);
      return {
        type,
        mode: l.mode,
        poolH: positiveInt(l.poolH, `${where} (pooling) poolH`),
        poolW: positiveInt(l.poolW, `${where} (pooling) poolW`),
        stride: positiveInt(l.stride, `${where} (pooling) stride`),
        pad: nonNegativeInt(l.pad, `${where} (pooling) pad`),
      };
    }
    if (type === 'batch-normalization') {
      const momentum = finiteNumber(l.momentum, `${where} (batch-normalization) momentum`);
      if (!(momentum >= 0 && momentum <= 1)) fail(`${where} (batch-normalization) momentum must be in [0, 1], got ${momentum}`);
      const eps = finiteNumber(l.eps, `${where} (batch-normalization) eps`);
      if (!(eps > 0)) fail(`${where} (batch-normalization) eps must be > 0, got ${eps}`);
      trained = true;
      return { type, channels: positiveInt(l.channels, `${where} (batch-normalization) channels`), momentum, eps };
    }
    if (type === 'leaky-relu' || type === 'elu') return { type, alpha: finiteNumber(l.alpha, `${where} (${type}) alpha`) };
    if (type === 'dropout') {
      const ratio = finiteNumber(l.ratio, `${where} (dropout) ratio`);
      if (!(ratio >= 0 && ratio < 1)) fail(`${where} (dropout) ratio must be in [0, 1), got ${ratio}`);
      return { type, ratio };
    }
    if (typeof type === 'string' && PLAIN_LAYERS.includes(type)) return { type } as LayerSpec;
    return fail(`${where} has unknown type ${JSON.stringify(type)}`);
  });
  if (!trained) fail('layers hold no affine, matmul, convolution or batch-normalization layer, so there is nothing to load');
  if (typeof loss !== 'string' || !LOSSES.includes(loss)) fail(`loss must be one of ${LOSSES.join(', ')}, got ${JSON.stringify(loss)}`);
  const decay = finiteNumber(weightDecay, 'weightDecay');
  if (decay < 0) fail(`weightDecay must be >= 0, got ${decay}`);
  const base: SpecBase = { layers: checkedLayers, loss: loss as LossSpec, weightDecay: decay };
  // Files written before nets recorded their input shape have none.
  if (value.inputShape !== undefined) {
    const shape = value.inputShape;
    if (!Array.isArray(shape) || shape.length === 0) fail(`inputShape must be a non-empty list, got ${JSON.stringify(shape)}`);
    base.inputShape = shape.map((d, i) => positiveInt(d, `inputShape[${i}]`));
  }

  if (net === 'sequential') return { net, ...base };
  if (!isObject(value.config)) fail(`a ${JSON.stringify(net)} spec needs a config object`);
  const c = value.config;
  if (net === 'two-layer') {
    const std = finiteNumber(c.weightInitStd, 'config.weightInitStd');
    const config = {
      inputSize: positiveInt(c.inputSize, 'config.inputSize'),
      hiddenSize: positiveInt(c.hiddenSize, 'config.hiddenSize'),
      outputSize: positiveInt(c.outputSize, 'config.outputSize'),
      weightInitStd: std,
      activation: activation(c.activation, 'config.activation'),
    };
    return { net, config, ...base };
  }
  if (net === 'multi-layer') {
    if (!Array.isArray(c.hiddenSizes)) fail(`config.hiddenSizes must be a list, got ${JSON.stringify(c.hiddenSizes)}`);
    const init = c.weightInit;
    if (!(init === 'he' || init === 'xavier' || (typeof init === 'number' && init > 0 && Number.isFinite(init)))) {
      fail(`config.weightInit must be 'he', 'xavier' or a positive number, got ${JSON.stringify(init)}`);
    }
    const dropout = finiteNumber(c.dropout, 'config.dropout');
    if (!(dropout >= 0 && dropout < 1)) fail(`config.dropout must be in [0, 1), got ${dropout}`);
    const config: Required<MultiLayerNetConfig> = {
      inputSize: positiveInt(c.inputSize, 'config.inputSize'),
      hiddenSizes: c.hiddenSizes.map((h, i) => positiveInt(h, `config.hiddenSizes[${i}]`)),
      outputSize: positiveInt(c.outputSize, 'config.outputSize'),
      activation: activation(c.activation, 'config.activation'),
      weightInit: init,
      weightDecay: finiteNumber(c.weightDecay, 'config.weightDecay'),
      dropout,
      // Files written before batchnorm existed have no useBatchnorm: they had none.
      useBatchnorm: c.useBatchnorm === undefined ? false : boolean(c.useBatchnorm, 'config.useBatchnorm'),
    };
    return { net, config, ...base };
  }
  if (net === 'simple-conv' || net === 'deep-conv') {
    const dim = c.inputDim;
    if (!Array.isArray(dim) || dim.length !== 3) fail(`config.inputDim must be [C, H, W], got ${JSON.stringify(dim)}`);
    const inputDim = dim.map((d, i) => positiveInt(d, `config.inputDim[${i}]`)) as [number, number, number];
    if (net === 'deep-conv') {
      const dropout = finiteNumber(c.dropout, 'config.dropout');
      if (!(dropout >= 0 && dropout < 1)) fail(`config.dropout must be in [0, 1), got ${dropout}`);
      const config: Required<DeepConvNetConfig> = {
        inputDim,
        hiddenSize: positiveInt(c.hiddenSize, 'config.hiddenSize'),
        outputSize: positiveInt(c.outputSize, 'config.outputSize'),
        dropout,
      };
      return { net, config, ...base };
    }
    const init = c.weightInit;
    if (!(init === 'he' || init === 'xavier' || (typeof init === 'number' && init > 0 && Number.isFinite(init)))) {
      fail(`config.weightInit must be 'he', 'xavier' or a positive number, got ${JSON.stringify(init)}`);
    }
    const config: Required<SimpleConvNetConfig> = {
      inputDim,
      filterNum: positiveInt(c.filterNum, 'config.filterNum'),
      filterSize: positiveInt(c.filterSize, 'config.filterSize'),
      pad: nonNegativeInt(c.pad, 'config.pad'),
      stride: positiveInt(c.stride, 'config.stride'),
      hiddenSize: positiveInt(c.hiddenSize, 'config.hiddenSize'),
      outputSize: positiveInt(c.outputSize, 'config.outputSize'),
      weightInit: init,
    };
    return { net, config, ...base };
  }
  return fail(`net must be 'two-layer', 'multi-layer', 'simple-conv', 'deep-conv' or 'sequential', got ${JSON.stringify(net)}`);
}
