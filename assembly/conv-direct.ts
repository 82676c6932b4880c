// Stride-1 convolution products read straight from the input. conv-implicit.ts builds blocks of
// colᵀ (or col rows) and runs the GEMM's micro-kernel on them; at stride 1 a colᵀ row is a run
// of a zero-padded copy of the input ("frame"), so the micro-kernel can read it there instead:
//   colᵀ[(ch, ky, kx), (oy, ox)] = frame[ch, oy + ky, ox + kx]
// Building colᵀ cost as much as a third of each product; here each image is copied once into a
// frame that stays in cache.
//
// Every sum runs over the same p, in the same order and the same k-blocks, as the product it
// replaces, so forward and dW keep the bits of the lowering through col. dx is a forward
// convolution of dout with the filters flipped and transposed (the sum over (f, ky, kx) for each
// pixel), which is not col2im's order: its bits differ from col2im(dY W) in the last place.
// Its tiles are MR channels of dx, so conv-implicit.ts takes it for 4 or more channels only.
// Internal: conv-implicit.ts calls these for stride 1; index.ts does not re-export this file.
import { at, lanes } from './lanes';
import { EDGE_BYTES, MR, copyEdgeTile, kBlockStep, microKernelGathered, microKernelRuns, packRowPanels, packedRowsBytes, tileWidth } from './gemm-tile';
import { addToRun, copyRun } from './runs';

/** Bytes of a frame (c, hp, wp), with room for one tile read past its end; a multiple of 16. */
@inline function frameBytes<T>(c: i32, hp: i32, wp: i32): i32 {
  return ((c * hp * wp + tileWidth<T>()) * <i32>sizeof<T>() + 15) & ~15;
}

/** Bytes of k i32 offsets, rounded up to a multiple of 16. */
@inline function offsetsBytes(k: i32): i32 {
  return (k * 4 + 15) & ~15;
}

/**
 * Copies image (c, h, w) into frame (c, hp, wp) at row `top`, column `left` (negative: the
 * image's first rows or columns fall outside and are dropped). What lies outside the copy is
 * left as it is: zero, from the frame's fill.
 */
function frameImage<T>(image: usize, c: i32, h: i32, w: i32, top: i32, left: i32, hp: i32, wp: i32, frame: usize): void {
  const y0 = max(0, -top), y1 = min(h, hp - top);
  const x0 = max(0, -left), x1 = min(w, wp - left);
  if (y1 <= y0 || x1 <= x0) return;
  const count = x1 - x0;
  for (let ch = 0; ch < c; ch++) {
    for (let iy = y0; iy < y1; iy++) {
      copyRun<T>(at<T>(frame, (ch * hp + iy + top) * wp + x0 + left), at<T>(image, (ch * h + iy) * w + x0), count);
    }
  }
}

/** offsets[p] for p = (ch, ky, kx): the byte offset of frame[ch, ky, kx], c * fh * fw of them. */
function frameOffsets<T>(c: i32, fh: i32, fw: i32, hp: i32, wp: i32, offsets: usize): void {
  let p = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let ky = 0; ky < fh; ky++) {
      for (let kx = 0; kx < fw; kx++) store<i32>(offsets + <usize>(4 * p++), <i32>at<T>(0, (ch * hp + ky) * wp + kx));
    }
  }
}

// ------------------------------------------------------------------- forward and dx

/**
 * y (n, cOut, oh, ow) = A * colᵀ (+ bias per output channel), where colᵀ of image x (cIn, h, w)
 * is read from its frame (cIn, oh + fh - 1, ow + fw - 1), the image placed at (top, left), and A
 * (cOut, cIn * fh * fw) is packed in MR-row panels (packedA). Output tiles are NR consecutive
 * positions of the image (of one output row when rows have an odd length); each sums over p in
 * gemm's k-blocks. `scratch`: directWorkBytes.
 */
function convDirect<T>(n: i32, cIn: i32, h: i32, w: i32, cOut: i32, fh: i32, fw: i32, top: i32, left: i32, oh: i32, ow: i32,
                       x: usize, packedA: usize, bias: usize, hasBias: bool, y: usize, scratch: usize): void {
  const hp = oh + fh - 1;
  const wp = ow + fw - 1;
  const k = cIn * fh * fw;
  const NR = tileWidth<T>();
  const L = lanes<T>();
  const edge = scratch;
  const offsets = edge + EDGE_BYTES;
  const frame = offsets + <usize>offsetsBytes(k);
  frameOffsets<T>(cIn, fh, fw, hp, wp, offsets);
  memory.fill(frame, 0, <usize>frameBytes<T>(cIn, hp, wp));
  const kcStep = kBlockStep(k);
  const plane = oh * ow;
  // Output rows of an even length: tiles run over the positions of the image as one sequence, so
  // none is partly empty. A v128 of positions (a tile's half) lies in one output row when rows
  // are a whole number of v128 long; else (f32) it may be two pairs, on two rows. Odd rows: tiles
  // stop at the end of each row.
  const flat = ow % 2 == 0;
  for (let img = 0; img < n; img++) {
    frameImage<T>(at<T>(x, img * cIn * h * w), cIn, h, w, top, left, hp, wp, frame);
    const out = at<T>(y, img * cOut * plane);
    let q = 0;
    while (q < plane) {
      const nr = flat ? min(NR, plane - q) : min(NR, ow - q % ow);
      const base = framePosition<T>(frame, q, ow, wp);
      // Where the second half and the high pair of each half start, from base.
      let second: usize = 16, firstHigh: usize = 8, secondHigh: usize = 24;
      if (flat && q + L < plane) second = framePosition<T>(frame, q + L, ow, wp) - base;
      const split = flat && (crossesRow(q, L, ow, plane) || crossesRow(q + L, L, ow, plane));
      if (split) {
        // Pairs past the plane are never stored: they stay where a plain run would read them.
        if (q + 2 < plane) firstHigh = framePosition<T>(frame, q + 2, ow, wp) - base;
        if (q + L + 2 < plane) secondHigh = framePosition<T>(frame, q + L + 2, ow, wp) - base;
      }
      const tile = at<T>(out, q);
      for (let pc = 0; pc < k; pc += kcStep) {
        const kc = min(kcStep, k - pc);
        // Later k-blocks add to what the earlier ones wrote.
        const beta = pc == 0 ? <T>0 : <T>1;
        for (let ir = 0; ir < cOut; ir += MR) {
          const pa = packedA + <usize>(ir * k + pc * MR) * sizeof<T>();
          const cTile = at<T>(tile, ir * plane);
          const mr = min(MR, cOut - ir);
          if (split) microKernelGathered<T>(kc, pa, offsets + <usize>(pc * 4), base, second, true, firstHigh, secondHigh, <T>1, beta, cTile, plane, mr, nr, edge);
          else microKernelGathered<T>(kc, pa, offsets + <usize>(pc * 4), base, second, false, 0, 0, <T>1, beta, cTile, plane, mr, nr, edge);
        }
      }
      q += nr;
    }
    if (hasBias) {
      for (let f = 0; f < cOut; f++) addToRun<T>(at<T>(out, f * plane), load<T>(at<T>(bias, f)), plane);
    }
  }
}

/** The byte address in a frame (rows wp apart) of output position s = oy * ow + ox's run. */
@inline function framePosition<T>(frame: usize, s: i32, ow: i32, wp: i32): usize {
  return at<T>(frame, (s / ow) * wp + s % ow);
}

/** Whether the L positions from s (inside the plane) run past the end of their output row. */
@inline function crossesRow(s: i32, L: i32, ow: i32, plane: i32): bool {
  return s < plane && s % ow + L > ow;
}

/** Bytes of convDirect's scratch for input (cIn, ...) and output rows oh x ow, a window fh x fw. */
@inline function directWorkBytes<T>(cIn: i32, fh: i32, fw: i32, oh: i32, ow: i32): i32 {
  return EDGE_BYTES + offsetsBytes(cIn * fh * fw) + frameBytes<T>(cIn, oh + fh - 1, ow + fw - 1);
}

/**
 * Packs dx's A: for input channel ch and p = (f, ky, kx), W[f, ch, fh - 1 - ky, fw - 1 - kx]
 * (the filters flipped and transposed), in MR-row panels of channels (zeros past c).
 */
function packFlipped<T>(weights: usize, fn: i32, c: i32, fh: i32, fw: i32, dst: usize): void {
  for (let r0 = 0; r0 < c; r0 += MR) {
    const mr = min(MR, c - r0);
    for (let f = 0; f < fn; f++) {
      for (let ky = fh - 1; ky >= 0; ky--) {
        for (let kx = fw - 1; kx >= 0; kx--) {
          for (let r = 0; r < MR; r++) {
            store<T>(at<T>(dst, r), r < mr ? load<T>(at<T>(weights, ((f * c + r0 + r) * fh + ky) * fw + kx)) : <T>0);
          }
          dst = at<T>(dst, MR);
        }
      }
    }
  }
}

/**
 * Stride-1 forward: y (n, fn, oh, ow) = W * x + b, x (n, c, h, w), W (fn, c * fh * fw), b (fn,).
 * The sums of gemm(col, Wᵀ) then addBias: the lowering's bits. work: forwardDirectWorkBytes.
 */
export function forwardDirect<T>(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, pad: i32,
                                 x: usize, weights: usize, bias: usize, y: usize, work: usize): void {
  const rowLength = c * fh * fw;
  packRowPanels<T>(weights, fn, rowLength, work);
  convDirect<T>(n, c, h, w, fn, fh, fw, pad, pad, h + 2 * pad - fh + 1, w + 2 * pad - fw + 1,
    x, work, bias, true, y, work + <usize>packedRowsBytes<T>(fn, rowLength));
}

/** Bytes of forwardDirect's `work`. */
@inline export function forwardDirectWorkBytes<T>(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, pad: i32): i32 {
  return packedRowsBytes<T>(fn, c * fh * fw) + directWorkBytes<T>(c, fh, fw, h + 2 * pad - fh + 1, w + 2 * pad - fw + 1);
}

/**
 * Stride-1 dx (n, c, h, w) from dout (n, fn, oh, ow) and W (fn, c, fh, fw): dout convolved with
 * the filters flipped and transposed, dout placed at (fh - 1 - pad, fw - 1 - pad) in its frame.
 * dx is overwritten. work: inputGradDirectWorkBytes.
 */
export function inputGradDirect<T>(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, pad: i32,
                                   dout: usize, weights: usize, dx: usize, work: usize): void {
  packFlipped<T>(weights, fn, c, fh, fw, work);
  convDirect<T>(n, fn, h + 2 * pad - fh + 1, w + 2 * pad - fw + 1, c, fh, fw, fh - 1 - pad, fw - 1 - pad, h, w,
    dout, work, 0, false, dx, work + <usize>packedRowsBytes<T>(c, fn * fh * fw));
}

/** Bytes of inputGradDirect's `work`. */
@inline export function inputGradDirectWorkBytes<T>(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32): i32 {
  return packedRowsBytes<T>(c, fn * fh * fw) + directWorkBytes<T>(fn, fh, fw, h, w);
}

// ------------------------------------------------------------------------------ dW

/** Frames of the images one k-block of kc positions can touch (images of `plane` positions), plus one. */
@inline function frameSlots(kc: i32, plane: i32): i32 {
  return (kc - 1) / plane + 3;
}

/** Bytes of filterGradDirect's `work` (positions = n * oh * ow > 0). */
@inline export function filterGradDirectWorkBytes<T>(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, pad: i32, positions: i32): i32 {
  const oh = h + 2 * pad - fh + 1;
  const ow = w + 2 * pad - fw + 1;
  const kc = kBlockStep(positions);
  const rowLength = c * fh * fw;
  const runs = ((kc - 1) / ow + 2) * 8;
  const tile = kc * 32;
  const sums = ((rowLength + MR - 1) / MR) * MR * fn * <i32>sizeof<T>();
  return EDGE_BYTES + tile + offsetsBytes(rowLength) + ((runs + 15) & ~15) + ((sums + 15) & ~15) +
    frameSlots(kc, oh * ow) * frameBytes<T>(c, h + 2 * pad, w + 2 * pad);
}

/**
 * Stride-1 dW (fn, c * fh * fw) = dYᵀ col, dY (n * oh * ow, fn) being dout as rows, computed as
 * its transpose dWᵀ = colᵀ dY with colᵀ's rows read in place from the images' frames: for each
 * k-block of positions (gemm's, so the sums and their order are gemm(dY, col, transA)'s), the
 * runs of the block's positions along output rows are listed and microKernelRuns reads every
 * MR rows of colᵀ along them. dWᵀ is summed in `work`, then written to dW transposed.
 * x holds images of cTotal channels; this call covers the c channels from the one x points at
 * (dW's columns from the one dW points at; dW's rows are cTotal * fh * fw apart), as in
 * convFilterGrad. positions must be > 0. work: filterGradDirectWorkBytes.
 */
export function filterGradDirect<T>(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, pad: i32,
                                    x: usize, dY: usize, dW: usize, cTotal: i32, work: usize): void {
  const oh = h + 2 * pad - fh + 1;
  const ow = w + 2 * pad - fw + 1;
  const hp = h + 2 * pad;
  const wp = w + 2 * pad;
  const plane = oh * ow;
  const positions = n * plane;
  const rowLength = c * fh * fw;
  const ldw = cTotal * fh * fw;
  const NR = tileWidth<T>();
  const kcStep = kBlockStep(positions);
  const slots = frameSlots(kcStep, plane);
  const slotBytes = <usize>frameBytes<T>(c, hp, wp);
  const edge = work;
  const tile = edge + EDGE_BYTES;
  const offsets = tile + <usize>(kcStep * 32);
  const runs = offsets + <usize>offsetsBytes(rowLength);
  const sums = runs + <usize>((((kcStep - 1) / ow + 2) * 8 + 15) & ~15);
  const frames = sums + <usize>((((rowLength + MR - 1) / MR) * MR * fn * <i32>sizeof<T>() + 15) & ~15);
  frameOffsets<T>(c, fh, fw, hp, wp, offsets);
  memory.fill(frames, 0, <usize>slots * slotBytes);
  const fullN = fn - fn % NR;
  const bStep = at<T>(0, fn);
  let framed = 0; // images [0, framed) have been copied to slot img % slots
  for (let pc = 0; pc < positions; pc += kcStep) {
    const kc = min(kcStep, positions - pc);
    const beta = pc == 0 ? <T>0 : <T>1;
    // The block's runs: output row g (over all images) from position max(pc, g * ow) to min(pc + kc, (g + 1) * ow).
    let runsEnd = runs;
    for (let g = pc / ow; g * ow < pc + kc; g++) {
      const img = g / oh;
      while (framed <= img) {
        frameImage<T>(at<T>(x, framed * cTotal * h * w), c, h, w, pad, pad, hp, wp, frames + <usize>(framed % slots) * slotBytes);
        framed++;
      }
      const start = max(pc, g * ow) - g * ow;
      const end = min(pc + kc, (g + 1) * ow) - g * ow;
      store<i32>(runsEnd, <i32>at<T>(frames + <usize>(img % slots) * slotBytes, (g % oh) * wp + start));
      store<i32>(runsEnd, <i32>at<T>(0, end - start), 4);
      runsEnd += 8;
    }
    if (fullN < fn) copyEdgeTile<T>(at<T>(dY, pc * fn + fullN), bStep, kc, fn - fullN, tile);
    for (let ir = 0; ir < rowLength; ir += MR) {
      const mr = min(MR, rowLength - ir);
      // Rows past rowLength read row ir's values; their sums are not written.
      const o0 = <usize>load<i32>(offsets + <usize>(4 * ir));
      const o1 = mr > 1 ? <usize>load<i32>(offsets + <usize>(4 * ir + 4)) : o0;
      const o2 = mr > 2 ? <usize>load<i32>(offsets + <usize>(4 * ir + 8)) : o0;
      const o3 = mr > 3 ? <usize>load<i32>(offsets + <usize>(4 * ir + 12)) : o0;
      const cRow = at<T>(sums, ir * fn);
      for (let jr = 0; jr < fullN; jr += NR) {
        microKernelRuns<T>(runs, runsEnd, o0, o1, o2, o3, at<T>(dY, pc * fn + jr), bStep, beta, at<T>(cRow, jr), fn, mr, NR, edge);
      }
      if (fullN < fn) microKernelRuns<T>(runs, runsEnd, o0, o1, o2, o3, tile, 32, beta, at<T>(cRow, fullN), fn, mr, fn - fullN, edge);
    }
  }
  for (let f = 0; f < fn; f++) {
    const row = at<T>(dW, f * ldw);
    for (let r = 0; r < rowLength; r++) store<T>(at<T>(row, r), load<T>(at<T>(sums, r * fn + f)));
  }
}
