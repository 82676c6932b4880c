/**
 * A trained net as a safetensors file: its params by name (W1, b1, W2, ...) as F32 or F64, and
 * its architecture (nets/spec.ts) as JSON in the header's `__metadata__`:
 *   { "format": "scratchnet", "version": "1", "net": "{...spec...}" }
 * PyTorch's safetensors.torch.load_file reads the weights; `netFromSafetensors` rebuilds the whole
 * net. Platform-neutral, so browsers save and load through these functions; Node's saveNet and
 * loadNet (files by path) are in net-file-node.ts. They are plain functions, not methods of
 * Sequential: a net's class does not depend on how it is stored, and a browser bundle that imports
 * Sequential never reaches node:fs.
 */
import type { FloatDType } from '../backend/dtype.js';
import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import type { Sequential } from '../nets/sequential.js';
import { buildNet, checkNetSpec, netSpec } from '../nets/spec.js';
import type { NetBuildOptions, NetSpec } from '../nets/spec.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import type { DecodedSafetensors, SafetensorsDtype, SafetensorsTensor } from './safetensors.js';

export const NET_FILE_FORMAT = 'scratchnet';
export const NET_FILE_VERSION = '1';

const FILE_DTYPE: Record<FloatDType, SafetensorsDtype> = { float32: 'F32', float64: 'F64' };

/** What a file holds of a net: its params, then its untrained state (batchnorm running averages), by name. */
function savedTensors(net: Sequential): { names: string[]; tensors: Tensor[] } {
  return { names: [...net.paramNames, ...net.stateNames], tensors: [...net.params, ...net.state] };
}

/** The net's params and architecture as safetensors bytes. */
export function netToSafetensors(net: Sequential): Uint8Array {
  const spec = netSpec(net);
  const tensors: Record<string, SafetensorsTensor> = {};
  const saved = savedTensors(net);
  saved.tensors.forEach((p, i) => {
    tensors[saved.names[i]] = { dtype: FILE_DTYPE[net.dtype], shape: [...p.shape], data: p.toTypedArray() as Float32Array | Float64Array };
  });
  return encodeSafetensors(tensors, { format: NET_FILE_FORMAT, version: NET_FILE_VERSION, net: JSON.stringify(spec) });
}

/** What a net file holds: its decoded tensors and, when the metadata has one, its architecture. */
export interface NetFile extends DecodedSafetensors {
  spec: NetSpec | null;
}

/**
 * Decodes and checks a net file. A file without scratchnet metadata (weights saved by another
 * tool) gives `spec: null`; metadata that claims to be ours must be well-formed.
 */
export function readNetFile(bytes: Uint8Array, name = 'net file'): NetFile {
  const decoded = decodeSafetensors(bytes, name);
  const { metadata } = decoded;
  if (metadata.format === undefined && metadata.net === undefined) return { ...decoded, spec: null };
  if (metadata.format !== NET_FILE_FORMAT) {
    throw new Error(`${name}: metadata format is ${JSON.stringify(metadata.format)}, expected "${NET_FILE_FORMAT}"`);
  }
  if (metadata.version !== NET_FILE_VERSION) {
    throw new Error(`${name}: scratchnet file version ${JSON.stringify(metadata.version)} is not supported (this build reads version ${NET_FILE_VERSION})`);
  }
  if (metadata.net === undefined) throw new Error(`${name}: metadata lacks "net", the architecture`);
  let json: unknown;
  try {
    json = JSON.parse(metadata.net);
  } catch (err) {
    throw new Error(`${name}: metadata "net" is not valid JSON (${(err as Error).message})`);
  }
  try {
    return { ...decoded, spec: checkNetSpec(json) };
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

/**
 * Copies the file's params into `net`. Everything is checked before anything is written, so a
 * rejected file leaves the net as it was: the same param names (none missing, none extra), the
 * same shapes, the net's dtype, and, if the file records one, the same layers and loss.
 */
export function loadNetFile(net: Sequential, file: NetFile, name = 'net file'): void {
  if (file.spec !== null) {
    const mine = netSpec(net);
    const same = JSON.stringify(mine.layers) === JSON.stringify(file.spec.layers) && mine.loss === file.spec.loss;
    if (!same) {
      const describe = (s: NetSpec) => `${s.layers.map((l) => ('inputSize' in l ? `${l.type}(${l.inputSize}->${l.outputSize})` : l.type)).join(' ')} ${s.loss}`;
      throw new Error(`${name}: the file holds a different architecture (${describe(file.spec)}) than this net (${describe(mine)})`);
    }
  }
  const saved = savedTensors(net);
  const names = Object.keys(file.tensors);
  const missing = saved.names.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !saved.names.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `lacks ${missing.join(', ')}` : '',
      extra.length > 0 ? `has tensors the net does not (${extra.join(', ')})` : '',
    ].filter(Boolean);
    throw new Error(`${name}: ${parts.join(' and ')}; the net's ${net.stateNames.length > 0 ? 'params and state' : 'params'} are ${saved.names.join(', ')}`);
  }
  const want = FILE_DTYPE[net.dtype];
  saved.tensors.forEach((p, i) => {
    const t = file.tensors[saved.names[i]];
    if (t.dtype !== want) {
      throw new Error(`${name}: tensor '${saved.names[i]}' is ${t.dtype} but the net is ${net.dtype} (${want}); build the net with the file's dtype`);
    }
    if (formatShape(t.shape) !== formatShape(p.shape)) {
      throw new Error(`${name}: tensor '${saved.names[i]}' has shape ${formatShape(t.shape)}, the net's is ${formatShape(p.shape)}`);
    }
  });
  saved.tensors.forEach((p, i) => p.set(file.tensors[saved.names[i]].data));
}

/** Copies the params of a net file's bytes into `net` (same architecture); see loadNetFile for what is checked. */
export function loadNetWeightsFromSafetensors(net: Sequential, bytes: Uint8Array, name = 'net file'): void {
  loadNetFile(net, readNetFile(bytes, name), name);
}

/** The net a file describes, with its params. The dtype is the file's unless `options.dtype` says otherwise (then it must match). */
export function netFromSafetensors(bytes: Uint8Array, options: NetBuildOptions = {}, name = 'net file'): Sequential {
  const file = readNetFile(bytes, name);
  if (file.spec === null) {
    throw new Error(`${name}: no scratchnet architecture in the metadata, so the net cannot be rebuilt; build it yourself and use loadNetWeightsFromSafetensors`);
  }
  const first = Object.values(file.tensors)[0];
  const dtype = options.dtype ?? (first?.dtype === 'F64' ? 'float64' : 'float32');
  const net = buildNet(file.spec, { ...options, dtype });
  try {
    loadNetFile(net, file, name);
  } catch (err) {
    net.dispose();
    throw err;
  }
  return net;
}
