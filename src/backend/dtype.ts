/** Element types a tensor can hold. Floats are what nets compute in; int32 holds labels and
 *  indices; uint8 holds data sets kept as bytes (MNIST pixels) until a kernel scales them. */
export type DType = 'float32' | 'float64' | 'int32' | 'uint8';
/** The element types nets, layers and optimizers compute in. */
export type FloatDType = 'float32' | 'float64';

/** The typed array `Tensor.data` gives for a dtype: float32 -> Float32Array, ..., uint8 -> Uint8Array. */
export type TypedArrayOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const ITEM_SIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint8: 1 };

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

/** The suffix of a kernel's exported name for this float type: sigmoid_f32, sigmoid_f64. */
export function kernelSuffix(dtype: FloatDType): 'f32' | 'f64' {
  return dtype === 'float32' ? 'f32' : 'f64';
}

export function checkDType(dtype: unknown, where: string): DType {
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'int32' || dtype === 'uint8') return dtype;
  throw new Error(`${where}: unknown dtype ${JSON.stringify(dtype)} (expected float32, float64, int32 or uint8)`);
}

export function checkFloatDType(dtype: unknown, where: string): FloatDType {
  if (dtype === 'float32' || dtype === 'float64') return dtype;
  throw new Error(`${where}: dtype must be float32 or float64, got ${JSON.stringify(dtype)}`);
}

export function viewOf(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, length: number): AnyTypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
  }
}
