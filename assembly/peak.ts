// The SIMD ceiling: how many flops one core can do per second with plain SIMD128
// when nothing but arithmetic stands in the way. GEMM speed is reported as a
// fraction of this figure, measured on the same machine in the same process.
//
// One iteration updates PEAK_ACCUMULATORS independent vectors with acc = acc * s + t
// (a multiply and a dependent add, as in a GEMM micro-kernel without FMA). Twelve
// chains are enough to hide the multiply + add latency on both the multiply and
// the add pipes, and few enough that V8 keeps every value in a register (with 14
// or more live v128 values it spills and the speed halves).

/** Independent accumulator vectors per iteration. */
const PEAK_ACCUMULATORS = 12;

// s = 0.75 and t = 0.25 keep every lane near the fixed point t / (1 - s) = 1, far
// from overflow and from subnormals (which would be slow on some cores). They are
// loaded from static data in every iteration, as a micro-kernel loads its operands:
// loads use the load ports, not the arithmetic ones, and a value V8 cannot prove
// constant is neither folded nor rebuilt with extra vector instructions in the loop.
const PEAK_CONSTANTS_F32 = memory.data<f32>([0.75, 0.75, 0.75, 0.75, 0.25, 0.25, 0.25, 0.25]);
const PEAK_CONSTANTS_F64 = memory.data<f64>([0.75, 0.75, 0.25, 0.25]);

@inline function peak<T>(iterations: i32): T {
  const constants = sizeof<T>() == 4 ? PEAK_CONSTANTS_F32 : PEAK_CONSTANTS_F64;
  let a0 = v128.splat<T>(<T>0.01), a1 = v128.splat<T>(<T>0.02), a2 = v128.splat<T>(<T>0.03);
  let a3 = v128.splat<T>(<T>0.04), a4 = v128.splat<T>(<T>0.05), a5 = v128.splat<T>(<T>0.06);
  let a6 = v128.splat<T>(<T>0.07), a7 = v128.splat<T>(<T>0.08), a8 = v128.splat<T>(<T>0.09);
  let a9 = v128.splat<T>(<T>0.10), a10 = v128.splat<T>(<T>0.11), a11 = v128.splat<T>(<T>0.12);
  for (let i = 0; i < iterations; i++) {
    const s = v128.load(constants);
    const t = v128.load(constants, 16);
    a0 = v128.add<T>(v128.mul<T>(a0, s), t);
    a1 = v128.add<T>(v128.mul<T>(a1, s), t);
    a2 = v128.add<T>(v128.mul<T>(a2, s), t);
    a3 = v128.add<T>(v128.mul<T>(a3, s), t);
    a4 = v128.add<T>(v128.mul<T>(a4, s), t);
    a5 = v128.add<T>(v128.mul<T>(a5, s), t);
    a6 = v128.add<T>(v128.mul<T>(a6, s), t);
    a7 = v128.add<T>(v128.mul<T>(a7, s), t);
    a8 = v128.add<T>(v128.mul<T>(a8, s), t);
    a9 = v128.add<T>(v128.mul<T>(a9, s), t);
    a10 = v128.add<T>(v128.mul<T>(a10, s), t);
    a11 = v128.add<T>(v128.mul<T>(a11, s), t);
  }
  // Fold everything into one number so no accumulator can be optimized away.
  let sum = v128.add<T>(v128.add<T>(v128.add<T>(a0, a1), v128.add<T>(a2, a3)), v128.add<T>(a4, a5));
  sum = v128.add<T>(sum, v128.add<T>(v128.add<T>(a6, a7), v128.add<T>(v128.add<T>(a8, a9), v128.add<T>(a10, a11))));
  if (sizeof<T>() == 4) {
    return <T>(f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) +
               f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3));
  }
  return <T>(f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1));
}

/** Flops of one iteration: a multiply and an add on every lane of every accumulator. */
@inline function peakFlopsPerIteration<T>(): i32 {
  return PEAK_ACCUMULATORS * 2 * <i32>(16 / sizeof<T>());
}

/** Runs `iterations` iterations of the f32x4 ceiling loop; returns a sum of the accumulators. */
export function peak_f32(iterations: i32): f32 {
  return peak<f32>(iterations);
}

/** Runs `iterations` iterations of the f64x2 ceiling loop; returns a sum of the accumulators. */
export function peak_f64(iterations: i32): f64 {
  return peak<f64>(iterations);
}

/** Flops done by one iteration of peak_f32. */
export function peakFlopsPerIteration_f32(): i32 {
  return peakFlopsPerIteration<f32>();
}

/** Flops done by one iteration of peak_f64. */
export function peakFlopsPerIteration_f64(): i32 {
  return peakFlopsPerIteration<f64>();
}
