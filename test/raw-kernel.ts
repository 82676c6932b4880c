// Calls the wasm kernels directly, with no TypeScript bindings in between: a fresh memory,
// arrays placed above heapBase() between guard bytes (optionally misaligned), and one
// `checkElementwise` that runs a kernel at every test size, both dtypes, misaligned and in
// place, against a float64 reference written in the test.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export type DType = 'f32' | 'f64';
export type Kind = DType | 'i32' | 'u16' | 'u8';

export const DTYPES: readonly DType[] = ['f32', 'f64'];
/** Around and across the 4- and 2-lane widths and the 4x unrolled loops. */
export const SIZES: readonly number[] = [0, 1, 3, 5, 17, 31, 33, 100, 127, 785];
/** Byte offsets from 16-byte alignment: wasm SIMD loads and stores must not care. */
export const MISALIGNMENTS: readonly number[] = [0, 4, 8];

// SCRATCHNET_WASM points the tests at another build (e.g. a deliberately broken one).
const wasmFile = process.env.SCRATCHNET_WASM ?? new URL('../build/scratchnet.wasm', import.meta.url);
const wasm = new WebAssembly.Module(readFileSync(wasmFile));
export const memory = new WebAssembly.Memory({ initial: 64, maximum: 32768 });
/** Every export of the module; kernels take and return numbers (void ones return undefined). */
export const kernels = new WebAssembly.Instance(wasm, { env: { memory } }).exports as unknown as Record<string, (...args: number[]) => number>;

const BYTES: Record<Kind, number> = { f32: 4, f64: 8, i32: 4, u16: 2, u8: 1 };
const GUARD_BYTES = 32;
/** The guard byte around the k-th array argument. */
const guard = (k: number) => (0xa5 + 29 * k) & 0xff;

/** Rounds v to what a T array or a T parameter holds. */
export function round(dtype: DType, v: number): number {
  return dtype === 'f32' ? Math.fround(v) : v;
}

/** Reads or writes element i of a `kind` array at byte address ptr (any alignment). */
function element(data: DataView, kind: Kind, ptr: number, i: number, value?: number): number {
  const at = ptr + i * BYTES[kind];
  if (value !== undefined) {
    if (kind === 'f32') data.setFloat32(at, value, true);
    else if (kind === 'f64') data.setFloat64(at, value, true);
    else if (kind === 'i32') data.setInt32(at, value, true);
    else if (kind === 'u16') data.setUint16(at, value, true);
    else data.setUint8(at, value);
  }
  if (kind === 'f32') return data.getFloat32(at, true);
  if (kind === 'f64') return data.getFloat64(at, true);
  if (kind === 'i32') return data.getInt32(at, true);
  if (kind === 'u16') return data.getUint16(at, true);
  return data.getUint8(at);
}

// ----------------------------------------------------------------------------- call

/** An array argument: read-only input, output (length only), or both (updated in place). */
export interface ArrayArg {
  kind: Kind;
  role: 'in' | 'out' | 'inout';
  values: ArrayLike<number>;
}
/** The pointer of another argument (by position): in-place calls. */
export interface SameAs {
  sameAs: number;
}
export type Arg = number | ArrayArg | SameAs;

export const input = (kind: Kind, values: ArrayLike<number>): ArrayArg => ({ kind, role: 'in', values });
export const output = (kind: Kind, length: number): ArrayArg => ({ kind, role: 'out', values: new Array<number>(length) });
export const inout = (kind: Kind, values: ArrayLike<number>): ArrayArg => ({ kind, role: 'inout', values });
export const same = (argIndex: number): SameAs => ({ sameAs: argIndex });

export interface CallResult {
  /** The kernel's return value (undefined for void). */
  result: number;
  /** Contents after the call of each array argument (by position), as float64. */
  arrays: Float64Array[];
}

const heapStart = (kernels.heapBase() + 15) & ~15;

/**
 * Places the arrays (each between guard bytes, `misalign` bytes past 16-byte alignment), calls
 * `name`, checks that nothing outside the outputs changed, and returns the arrays' contents.
 */
export function call(name: string, args: readonly Arg[], misalign = 0): CallResult {
  const kernel = kernels[name];
  if (typeof kernel !== 'function') throw new Error(`call: no kernel named ${name}`);
  const isArray = (a: Arg): a is ArrayArg => typeof a === 'object' && 'kind' in a;
  const pointers: number[] = [];
  const starts: number[] = [];
  let end = heapStart;
  for (const a of args) {
    if (!isArray(a)) continue;
    starts.push(end);
    const ptr = ((end + GUARD_BYTES + 15) & ~15) + misalign;
    end = ptr + a.values.length * BYTES[a.kind] + GUARD_BYTES;
    pointers.push(ptr);
  }
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
  // Each array's surroundings get their own byte, so that an overrun copying (or mapping, as
  // tanh does tiny values) one array's guard into another's still shows.
  starts.forEach((start, k) => new Uint8Array(memory.buffer).fill(guard(k), start, starts[k + 1] ?? end));

  const data = new DataView(memory.buffer);
  const before: Uint8Array[] = [];
  let k = 0;
  for (const a of args) {
    if (!isArray(a)) continue;
    const ptr = pointers[k++];
    if (a.role !== 'out') for (let i = 0; i < a.values.length; i++) element(data, a.kind, ptr, i, a.values[i]);
    before.push(new Uint8Array(memory.buffer, ptr, a.values.length * BYTES[a.kind]).slice());
  }

  const arrayIndex: number[] = [];
  k = 0;
  for (const a of args) arrayIndex.push(isArray(a) ? k++ : -1);
  const raw = args.map((a) => {
    if (typeof a === 'number') return a;
    if (isArray(a)) return pointers[arrayIndex[args.indexOf(a)]];
    return pointers[arrayIndex[a.sameAs]];
  });
  const result = kernel(...raw);

  // Guards intact, read-only inputs unchanged (unless another argument aliases them).
  const written = new Set<number>();
  args.forEach((a, i) => {
    if (isArray(a) && a.role !== 'in') written.add(i);
    if (!isArray(a) && typeof a === 'object') written.add(a.sameAs);
  });
  const bytes = new Uint8Array(memory.buffer);
  k = 0;
  args.forEach((a, i) => {
    if (!isArray(a)) return;
    const ptr = pointers[k];
    const length = a.values.length * BYTES[a.kind];
    for (const g of [ptr - GUARD_BYTES, ptr + length]) {
      for (let b = 0; b < GUARD_BYTES; b++) {
        if (bytes[g + b] !== guard(k)) throw new Error(`${name}: wrote outside argument ${i} (byte ${g + b - ptr})`);
      }
    }
    if (!written.has(i)) {
      const now = bytes.subarray(ptr, ptr + length);
      if (now.some((v, b) => v !== before[k][b])) throw new Error(`${name}: changed read-only argument ${i}`);
    }
    k++;
  });

  const after = new DataView(memory.buffer);
  const arrays: Float64Array[] = [];
  k = 0;
  args.forEach((a, i) => {
    if (!isArray(a)) return;
    const ptr = pointers[k++];
    arrays[i] = Float64Array.from({ length: a.values.length }, (_, j) => element(after, a.kind, ptr, j));
  });
  return { result, arrays };
}

// ------------------------------------------------------------------------ comparing

/** |got - want| <= rel |want| + abs, per dtype. NaN must meet NaN, infinities must be equal. */
export type Tol = Record<DType, { rel: number; abs: number }>;

/**
 * rel and abs in units of the dtype's unit roundoff (2^-24, 2^-53); abs is for cancellation.
 * Half the smallest subnormal is always allowed: a subnormal result has less precision.
 */
export function ulps(rel: number, abs = 0): Tol {
  return {
    f32: { rel: rel * 2 ** -24, abs: abs * 2 ** -24 + 2 ** -150 },
    f64: { rel: rel * 2 ** -53, abs: abs * 2 ** -53 + 2 ** -1075 },
  };
}

export function close(got: number, want: number, tol: { rel: number; abs: number }): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= tol.rel * Math.abs(want) + tol.abs;
}

/** Expects every got[i] close to want[i]; the message names the kernel, case and element. */
export function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: { rel: number; abs: number }): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!close(got[i], want[i], tol)) {
      expect.fail(`${what}: element ${i} is ${got[i]}, want ${want[i]} (error ${Math.abs(got[i] - want[i])})`);
    }
  }
}

// ------------------------------------------------------------------------ generators

/** Values of a test array by position: (i, n) -> value. */
export type Gen = (i: number, n: number) => number;

/** A small seeded PRNG (mulberry32) so every run tests the same numbers. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [lo, hi), the same sequence for the same seed. */
export function uniform(lo: number, hi: number, seed = 1): Gen {
  const cache: number[] = [];
  const next = rng(seed);
  return (i) => {
    while (cache.length <= i) cache.push(lo + (hi - lo) * next());
    return cache[i];
  };
}

/** gen, with `edges` written over the first and the last elements (so both SIMD and tail see them). */
export function withEdges(gen: Gen, edges: readonly number[]): Gen {
  return (i, n) => {
    if (i < edges.length) return edges[i];
    if (n - 1 - i < edges.length) return edges[n - 1 - i];
    return gen(i, n);
  };
}

export function values(gen: Gen, n: number): number[] {
  return Array.from({ length: n }, (_, i) => gen(i, n));
}

// ------------------------------------------------------------------- element-wise check

export interface ElementwiseCase {
  /** Kernel name without the dtype suffix. */
  kernel: string;
  /** Parameter order, space separated: 'n', then array and scalar names, e.g. 'n x y alpha'. */
  signature: string;
  /** Array generators (functions) and scalars (numbers) by name; array names left out are outputs. */
  given: Record<string, Gen | number>;
  /** One element's results from its (dtype-rounded) inputs: a number for the single output, or
   * an object naming each array written (outputs and in/out arrays). */
  reference: (v: Record<string, number>) => number | Record<string, number>;
  tol: Tol;
}

/**
 * Runs an element-wise kernel, f32 and f64, at every size in SIZES, at every misalignment, with
 * each output aliased onto each input array (in place), and checks one vector's lanes against
 * the scalar tail bit for bit. Every result goes through `reference` (float64).
 */
export function checkElementwise(c: ElementwiseCase): void {
  const tokens = c.signature.split(' ');
  const isGiven = (t: string) => t in c.given;
  const arrays = tokens.filter((t) => t !== 'n' && (!isGiven(t) || typeof c.given[t] === 'function'));
  const inputArrays = arrays.filter(isGiven);
  const outputs = arrays.filter((t) => !isGiven(t));

  for (const dtype of DTYPES) {
    const name = `${c.kernel}_${dtype}`;
    const run = (n: number, misalign: number, alias: Record<string, string> = {}, data?: Record<string, number[]>) => {
      const inputs: Record<string, number[]> = data ?? {};
      for (const t of inputArrays) inputs[t] ??= values(c.given[t] as Gen, n).map((v) => round(dtype, v));
      const args: Arg[] = tokens.map((t) => {
        if (t === 'n') return n;
        if (alias[t] !== undefined) return same(tokens.indexOf(alias[t]));
        if (!isGiven(t)) return output(dtype, n);
        const g = c.given[t];
        return typeof g === 'number' ? g : { kind: dtype, role: 'inout', values: inputs[t] };
      });
      const got = call(name, args, misalign);
      const arrayAt = (t: string) => got.arrays[tokens.indexOf(alias[t] ?? t)];
      // Expected: the reference on the rounded inputs and scalars, element by element.
      const want: Record<string, number[]> = {};
      for (let i = 0; i < n; i++) {
        const v: Record<string, number> = {};
        for (const t of tokens) {
          const g = c.given[t];
          if (typeof g === 'number') v[t] = round(dtype, g);
          else if (g !== undefined) v[t] = inputs[t][i];
        }
        const r = c.reference(v);
        const named = typeof r === 'number' ? { [outputs[0]]: r } : r;
        for (const [t, value] of Object.entries(named)) (want[t] ??= []).push(value);
      }
      return { want, inputs, arrayAt, overwritten: new Set(Object.values(alias)) };
    };
    const compare = (what: string, r: ReturnType<typeof run>) => {
      for (const t of Object.keys(r.want)) expectClose(`${what} ${t}`, r.arrayAt(t), r.want[t], c.tol[dtype]);
      // Input arrays that are neither written nor aliased by an output come back unchanged.
      for (const t of inputArrays) {
        if (!(t in r.want) && !r.overwritten.has(t)) expectClose(`${what} ${t}`, r.arrayAt(t), r.inputs[t], { rel: 0, abs: 0 });
      }
    };

    for (const n of SIZES) {
      for (const misalign of MISALIGNMENTS) compare(`${name} n=${n} misalign=${misalign}`, run(n, misalign));
      for (const out of outputs) {
        for (const into of inputArrays) compare(`${name} n=${n} ${out}==${into}`, run(n, 0, { [out]: into }));
      }
    }

    // A value gets the same bits whether it goes through the vector lanes or the scalar tail.
    const full = run(17, 0);
    for (let i = 0; i < 8; i++) {
      const one: Record<string, number[]> = {};
      for (const t of inputArrays) one[t] = [full.inputs[t][i]];
      const single = run(1, 0, {}, one);
      for (const t of Object.keys(full.want)) {
        const lane = full.arrayAt(t)[i];
        expect(Object.is(single.arrayAt(t)[0], lane), `${name}: ${t}[${i}] differs between lanes and tail`).toBe(true);
      }
    }
  }
}
