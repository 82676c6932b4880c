/**
 * A straight-line ONNX graph under construction, and its encoding as a ModelProto (onnx.proto3).
 * Layers append nodes to the running value `current`, whose per-sample shape (without the batch
 * dimension, which stays symbolic as "N") the graph tracks so the output can be declared.
 * Weights become initializers stored as `raw_data` (little-endian, like wasm memory).
 */
import type { FloatDType } from '../backend/dtype.js';
import { formatShape } from '../backend/shape.js';
import { ProtoWriter } from './protobuf-writer.js';

/** TensorProto.DataType codes. */
const ELEM_TYPE: Record<FloatDType, number> = { float32: 1, float64: 11 };
/** AttributeProto.AttributeType codes. */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;
/** IR version 8 is what opset 17 was released with; every runtime that reads opset 17 reads it. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
const BATCH_DIM = 'N';

/** A node attribute: a float, an int or a list of ints (non-negative: the writer keeps varints positive). */
export type OnnxAttribute = { float: number } | { int: number } | { ints: number[] };

interface NodeEntry {
  opType: string;
  inputs: string[];
  output: string;
  attributes: Record<string, OnnxAttribute>;
}

interface Initializer {
  name: string;
  shape: readonly number[];
  data: Float32Array | Float64Array;
}

export class OnnxGraph {
  /** Name of the value the next node reads. */
  current: string;
  /** Shape of one sample of `current` (the batch dimension is left out). */
  shape: number[];
  private readonly nodes: NodeEntry[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly outputs: { name: string; shape: number[] }[] = [];
  private readonly names = new Set<string>();

  /** `dtype` is the element type of every value in the model; `inputShape` is one sample's shape. */
  constructor(
    readonly dtype: FloatDType,
    readonly inputName: string,
    readonly inputShape: readonly number[],
  ) {
    this.current = inputName;
    this.shape = [...inputShape];
    this.names.add(inputName);
  }

  /** Adds a weight as an initializer (converted to the model's dtype); returns its name. */
  initializer(name: string, shape: readonly number[], data: Float32Array | Float64Array): string {
    this.claim(name);
    const converted = this.dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data);
    this.initializers.push({ name, shape: [...shape], data: converted });
    return name;
  }

  /** Adds a constant that is not a named param (batchnorm's running mean, say) under a fresh name `prefix_i`. */
  constant(prefix: string, shape: readonly number[], data: Float32Array | Float64Array): string {
    const name = this.fresh(prefix);
    this.names.delete(name);
    return this.initializer(name, shape, data);
  }

  /**
   * Appends `opType` reading `current` then `extraInputs`; its output becomes `current` with
   * per-sample shape `shape` (default: unchanged). Returns the output's name.
   */
  apply(opType: string, extraInputs: string[] = [], attributes: Record<string, OnnxAttribute> = {}, shape?: number[]): string {
    const output = this.fresh(opType.toLowerCase());
    this.nodes.push({ opType, inputs: [this.current, ...extraInputs], output, attributes });
    this.current = output;
    if (shape !== undefined) this.shape = shape;
    return output;
  }

  /** Declares `current` a graph output under `name` (an Identity node gives it that name). */
  output(name: string): void {
    this.claim(name);
    this.nodes.push({ opType: 'Identity', inputs: [this.current], output: name, attributes: {} });
    this.current = name;
    this.outputs.push({ name, shape: [...this.shape] });
  }

  /** The ModelProto bytes. */
  encode(producer: string): Uint8Array {
    if (this.outputs.length === 0) throw new Error('OnnxGraph: the graph declares no output');
    const graph = new ProtoWriter();
    for (const node of this.nodes) graph.message(1, this.encodeNode(node));
    graph.string(2, 'scratchnet');
    for (const init of this.initializers) graph.message(5, this.encodeInitializer(init));
    graph.message(11, this.encodeValueInfo(this.inputName, this.inputShape));
    for (const out of this.outputs) graph.message(12, this.encodeValueInfo(out.name, out.shape));

    const opset = new ProtoWriter().string(1, '').varint(2, ONNX_OPSET);
    return new ProtoWriter().varint(1, ONNX_IR_VERSION).string(2, producer).message(7, graph).message(8, opset).finish();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`OnnxGraph: the name '${name}' is used twice`);
    this.names.add(name);
  }

  /** A name not used yet: relu_0, relu_1, ... */
  private fresh(prefix: string): string {
    let i = 0;
    while (this.names.has(`${prefix}_${i}`)) i++;
    const name = `${prefix}_${i}`;
    this.names.add(name);
    return name;
  }

  /** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. */
  private encodeNode(node: NodeEntry): ProtoWriter {
    const w = new ProtoWriter();
    for (const input of node.inputs) w.string(1, input);
    w.string(2, node.output).string(3, node.output).string(4, node.opType);
    for (const [name, value] of Object.entries(node.attributes)) w.message(5, encodeAttribute(name, value));
    return w;
  }

  /** TensorProto: dims 1, data_type 2, name 8, raw_data 9. */
  private encodeInitializer(init: Initializer): ProtoWriter {
    const w = new ProtoWriter();
    for (const d of init.shape) w.varint(1, d);
    w.varint(2, ELEM_TYPE[this.dtype]).string(8, init.name);
    return w.bytes(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
  }

  /** ValueInfoProto { name 1, type 2: TypeProto { tensor_type 1: { elem_type 1, shape 2: { dim 1: { dim_value 1 | dim_param 2 } } } } }. */
  private encodeValueInfo(name: string, sampleShape: readonly number[]): ProtoWriter {
    const shape = new ProtoWriter().message(1, new ProtoWriter().string(2, BATCH_DIM));
    for (const d of sampleShape) {
      if (!Number.isInteger(d) || d <= 0) throw new Error(`OnnxGraph: '${name}' has shape ${formatShape(sampleShape)}; every dimension must be a positive integer`);
      shape.message(1, new ProtoWriter().varint(1, d));
    }
    const tensorType = new ProtoWriter().varint(1, ELEM_TYPE[this.dtype]).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
  }
}

/** AttributeProto: name 1, f 2, i 3, ints 8, type 20. */
function encodeAttribute(name: string, value: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('float' in value) return w.float(2, value.float).varint(20, ATTR_FLOAT);
  if ('int' in value) return w.varint(3, value.int).varint(20, ATTR_INT);
  for (const v of value.ints) w.varint(8, v);
  return w.varint(20, ATTR_INTS);
}
