// Convolution's products without the col matrix. conv.ts lowers a layer to GEMMs over col
// (N * OH * OW, C * FH * FW), a matrix nine times the size of the input for a 3x3 filter; here
// the same products run on a few output rows of one image at a time, in a block of `work` that
// stays in cache, and each block goes on to its destination while it is hot. At stride 1 the
// kernels hand over to conv-direct.ts, which reads the input in place instead of building blocks.
//
// Every product uses the GEMM's micro-tile and k-blocks (gemm-tile.ts), so each value is summed
// in the order gemm.ts sums it, and what follows (the col2im adds) runs in col2im's order: the
// results are bit-identical to the lowering through col, whatever the block size (but for dx at
// stride 1 with 4 or more channels: see conv-direct.ts).
// Images are computed one by one and never read another's: threads split them by whole images.
import { at, lanes } from './lanes';
import { outSize } from './window';
import { EDGE_BYTES, KC, MR, copyEdgeTile, kBlockStep, microKernel, microKernelOneVector, packRowPanels, packedRowsBytes, tileWidth } from './gemm-tile';
import { im2colRow } from './im2col-row';
import { addToRun } from './runs';
import { filterGradDirect, filterGradDirectWorkBytes, forwardDirect, forwardDirectWorkBytes, inputGradDirect, inputGradDirectWorkBytes } from './conv-direct';

/** A last partial column tile of B, copied: up to KC rows of one 32-byte tile row. */
const TILE_BYTES = KC * 32;

/**
 * `work` of convInputGrad: the edge tile, the partial column tile, Wᵀ packed, and the block of
 * dcolᵀ (rowLength, chunkRows * ow) with room for fw values after it.
 */
@inline function inputGradWorkBytes<T>(c: i32, fh: i32, fw: i32, fn: i32, ow: i32, chunkRows: i32): i32 {
  const rowLength = c * fh * fw;
  // fw values past the block: the masked edge loads of addBlockUnitStride.
  return EDGE_BYTES + TILE_BYTES + packedRowsBytes<T>(rowLength, fn) + (rowLength * chunkRows * ow + fw) * <i32>sizeof<T>();
}

/** Whether the forward reads x in place (conv-direct.ts): at stride 1, with something to sum over. */
@inline function forwardIsDirect(rowLength: i32, stride: i32): bool {
  return stride == 1 && rowLength > 0;
}

/** Whether dW reads x in place (conv-direct.ts): at stride 1, with positions to sum over. */
@inline function filterGradIsDirect(positions: i32, stride: i32): bool {
  return stride == 1 && positions > 0;
}

/**
 * Whether dx runs as conv-direct.ts's flipped convolution: at stride 1, with filters, and at
 * least MR input channels (its tiles are MR channels of dx; with fewer, most of each tile is
 * wasted, and the product into dcolᵀ with col2im's adds is faster).
 */
@inline function inputGradIsDirect(c: i32, fn: i32, stride: i32): bool {
  return stride == 1 && fn > 0 && c >= MR;
}

/**
 * Packs op(A) = Wᵀ (rowLength, fn), W (fn, rowLength) row-major, into MR-row panels: panel q
 * holds, for f ascending, W[f, q * MR ... q * MR + MR - 1] (zeros past rowLength), so a k-block
 * starting at f0 starts f0 * MR values into its panel.
 */
function packTransposed<T>(weights: usize, fn: i32, rowLength: i32, dst: usize): void {
  for (let r0 = 0; r0 < rowLength; r0 += MR) {
    const mr = min(MR, rowLength - r0);
    for (let f = 0; f < fn; f++) {
      const src = at<T>(weights, f * rowLength + r0);
      for (let r = 0; r < MR; r++) store<T>(at<T>(dst, r), r < mr ? load<T>(at<T>(src, r)) : <T>0);
      dst = at<T>(dst, MR);
    }
  }
}

/**
 * C (m, npos) = op(A) (m, k) B (k, npos), rows of C ldc elements apart, in the k-blocks of gemm:
 * A in MR-row panels of k steps (packRowPanels, packTransposed), B read in place (rows ldb elements
 * apart) but for a last partial column tile, which is copied (zero-padded) to `tile` so no read
 * runs past B's rows.
 */
function productIntoBlock<T>(m: i32, npos: i32, k: i32, packedA: usize, b: usize, ldb: i32,
                             dst: usize, ldc: i32, tile: usize, edge: usize): void {
  const NR = tileWidth<T>();
  const kcStep = kBlockStep(k);
  const fullN = npos - npos % NR;
  for (let pc = 0; pc < k; pc += kcStep) {
    const kc = min(kcStep, k - pc);
    // Later k-blocks add to what the earlier ones wrote.
    const beta = pc == 0 ? <T>0 : <T>1;
    if (fullN < npos) copyEdgeTile<T>(at<T>(b, pc * ldb + fullN), at<T>(0, ldb), kc, npos - fullN, tile);
    for (let ir = 0; ir < m; ir += MR) {
      const mr = min(MR, m - ir);
      const pa = packedA + <usize>(ir * k + pc * MR) * sizeof<T>();
      const cRow = at<T>(dst, ir * ldc);
      for (let jr = 0; jr < fullN; jr += NR) {
        microKernel<T>(kc, pa, MR * sizeof<T>(), true, at<T>(b, pc * ldb + jr), at<T>(0, ldb), <T>1, beta, at<T>(cRow, jr), ldc, mr, NR, edge);
      }
      if (fullN < npos) {
        const nr = npos - fullN;
        if (nr > lanes<T>()) microKernel<T>(kc, pa, MR * sizeof<T>(), true, tile, 32, <T>1, beta, at<T>(cRow, fullN), ldc, mr, nr, edge);
        else microKernelOneVector<T>(kc, pa, MR * sizeof<T>(), true, tile, <T>1, beta, at<T>(cRow, fullN), ldc, mr, nr, edge);
      }
    }
  }
}

/**
 * colᵀ of output rows oy0 ... oy0 + rows - 1 of one image (c, h, w): block row (ch, ky, kx),
 * rows * ow values, holds at position (oy - oy0) * ow + ox the pixel
 * x[ch, oy * stride - pad + ky, ox * stride - pad + kx], 0 outside the image (col transposed).
 */
function columnsTransposed<T>(image: usize, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                              oy0: i32, rows: i32, ow: i32, block: usize): void {
  const npos = rows * ow;
  let dst = block;
  for (let ch = 0; ch < c; ch++) {
    for (let ky = 0; ky < fh; ky++) {
      for (let kx = 0; kx < fw; kx++) {
        // Output columns ox in [lo, hi) read inside the image row.
        const lo = min(ow, (max(0, pad - kx) + stride - 1) / stride);
        const hi = max(lo, min(ow, (w + pad - kx + stride - 1) / stride));
        for (let oy = oy0; oy < oy0 + rows; oy++) {
          const run = at<T>(dst, (oy - oy0) * ow);
          const iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= h) {
            for (let ox = 0; ox < ow; ox++) store<T>(at<T>(run, ox), <T>0);
            continue;
          }
          const line = at<T>(image, (ch * h + iy) * w);
          for (let ox = 0; ox < lo; ox++) store<T>(at<T>(run, ox), <T>0);
          for (let ox = lo; ox < hi; ox++) store<T>(at<T>(run, ox), load<T>(at<T>(line, ox * stride - pad + kx)));
          for (let ox = hi; ox < ow; ox++) store<T>(at<T>(run, ox), <T>0);
        }
        dst = at<T>(dst, npos);
      }
    }
  }
}

/** Bytes of convForward's `work`: the edge tile, the partial column tile, W packed, and one block of colᵀ. */
@inline function forwardWorkBytes<T>(c: i32, fh: i32, fw: i32, fn: i32, ow: i32, chunkRows: i32): i32 {
  const rowLength = c * fh * fw;
  return EDGE_BYTES + TILE_BYTES + packedRowsBytes<T>(fn, rowLength) + rowLength * chunkRows * ow * <i32>sizeof<T>();
}

// ------------------------------------------------------------------------- forward

/**
 * y (n, fn, oh, ow) = W * x + b: for each image, chunkRows output rows at a time,
 * colᵀ (c * fh * fw, chunkRows * ow) is built from x in `work` and y[img, :, rows] = W colᵀ is
 * written in place (NCHW, no transpose), then b is added. The sums of gemm(col, Wᵀ) then
 * addBias, transposed: the bits of conv.ts's lowering (forwardDirect's too, at stride 1).
 * x is (n, c, h, w), W is (fn, c * fh * fw), b is (fn,);
 * work: convForwardWorkBytes(c, h, w, fn, fh, fw, stride, pad, chunkRows) bytes.
 */
function convForward<T>(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                        x: usize, weights: usize, bias: usize, y: usize, chunkRows: i32, work: usize): void {
  const oh = outSize(h, fh, stride, pad);
  const ow = outSize(w, fw, stride, pad);
  const rowLength = c * fh * fw;
  if (forwardIsDirect(rowLength, stride)) {
    forwardDirect<T>(n, c, h, w, fn, fh, fw, pad, x, weights, bias, y, work);
    return;
  }
  const edge = work;
  const tile = edge + EDGE_BYTES;
  const packedA = tile + TILE_BYTES;
  const block = packedA + <usize>packedRowsBytes<T>(fn, rowLength);
  if (rowLength > 0) packRowPanels<T>(weights, fn, rowLength, packedA);
  for (let img = 0; img < n; img++) {
    const image = at<T>(x, img * c * h * w);
    const out = at<T>(y, img * fn * oh * ow);
    for (let oy0 = 0; oy0 < oh; oy0 += chunkRows) {
      const rows = min(chunkRows, oh - oy0);
      const npos = rows * ow;
      const first = at<T>(out, oy0 * ow);
      if (rowLength > 0) {
        columnsTransposed<T>(image, c, h, w, fh, fw, stride, pad, oy0, rows, ow, block);
        productIntoBlock<T>(fn, npos, rowLength, packedA, block, npos, first, oh * ow, tile, edge);
      } else {
        // No input channels: the product is 0 (gemm's k == 0 with beta 0).
        for (let f = 0; f < fn; f++) memory.fill(at<T>(first, f * oh * ow), 0, <usize>npos << alignof<T>());
      }
      for (let f = 0; f < fn; f++) addToRun<T>(at<T>(first, f * oh * ow), load<T>(at<T>(bias, f)), npos);
    }
  }
}

export function convForward_f32(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                                x: usize, weights: usize, bias: usize, y: usize, chunkRows: i32, work: usize): void {
  convForward<f32>(n, c, h, w, fn, fh, fw, stride, pad, x, weights, bias, y, chunkRows, work);
}
export function convForward_f64(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                                x: usize, weights: usize, bias: usize, y: usize, chunkRows: i32, work: usize): void {
  convForward<f64>(n, c, h, w, fn, fh, fw, stride, pad, x, weights, bias, y, chunkRows, work);
}

/** Bytes of convForward's `work`: the direct path's at stride 1, else the blocks of colᵀ (a multiple of 16). */
@inline function convForwardWorkBytes<T>(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32, chunkRows: i32): i32 {
  const bytes = forwardIsDirect(c * fh * fw, stride) ? forwardDirectWorkBytes<T>(c, h, w, fn, fh, fw, pad)
    : forwardWorkBytes<T>(c, fh, fw, fn, outSize(w, fw, stride, pad), chunkRows);
  return (bytes + 15) & ~15;
}
/** Bytes of `work` that convForward_f32 needs for these sizes (a multiple of 16). */
export function convForwardWorkBytes_f32(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32, chunkRows: i32): i32 {
  return convForwardWorkBytes<f32>(c, h, w, fn, fh, fw, stride, pad, chunkRows);
}
/** Bytes of `work` that convForward_f64 needs for these sizes (a multiple of 16). */
export function convForwardWorkBytes_f64(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32, chunkRows: i32): i32 {
  return convForwardWorkBytes<f64>(c, h, w, fn, fh, fw, stride, pad, chunkRows);
}

// ------------------------------------------------------------------------------ dW

/** Output rows whose col rows a k-block of kc positions can touch: a block's positions span at most this many. */
@inline function blockOutputRows(kc: i32, ow: i32): i32 {
  return (kc - 1) / ow + 2;
}

/**
 * Bytes of convFilterGrad's `work`: the edge tile, the partial column tile, the k-block of dY
 * packed, and the col rows of the output rows one k-block touches.
 */
@inline function filterGradWorkBytes<T>(c: i32, fh: i32, fw: i32, fn: i32, ow: i32, positions: i32): i32 {
  const kc = positions > 0 ? kBlockStep(positions) : 1;
  return EDGE_BYTES + TILE_BYTES + packedRowsBytes<T>(fn, kc) + blockOutputRows(kc, ow) * ow * c * fh * fw * <i32>sizeof<T>();
}

/**
 * dW (fn, c * fh * fw) = dYᵀ col, with dY (n * oh * ow, fn) (dout as rows) and col = im2col(x),
 * without col: the sum over positions runs in gemm's k-blocks, and for each k-block the col rows
 * of the output rows it touches are built from x in `work` (im2colRow, in cache) and read there
 * as gemm's few-rows path reads col: each MR-row panel of dY's block (packed) across the
 * block's column tiles. The sums of gemm(dY, col, transA), so its bits. dW is overwritten.
 * x holds images of cTotal channels; this call covers the c channels from the one x points at,
 * that is dW's columns from the one dW points at (rows of dW are cTotal * fh * fw apart):
 * threads split dW by channels. At stride 1: filterGradDirect, the same sums read in place.
 * work: convFilterGradWorkBytes(c, h, w, fn, fh, fw, stride, pad, n * oh * ow) bytes.
 */
function convFilterGrad<T>(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                           x: usize, dY: usize, dW: usize, cTotal: i32, work: usize): void {
  const oh = outSize(h, fh, stride, pad);
  const ow = outSize(w, fw, stride, pad);
  const rowLength = c * fh * fw;
  const ldw = cTotal * fh * fw;
  const positions = n * oh * ow;
  if (positions == 0) {
    // Nothing to sum: dW = 0 (gemm's k == 0 with beta 0).
    for (let f = 0; f < fn; f++) memory.fill(at<T>(dW, f * ldw), 0, <usize>rowLength << alignof<T>());
    return;
  }
  if (filterGradIsDirect(positions, stride)) {
    filterGradDirect<T>(n, c, h, w, fn, fh, fw, pad, x, dY, dW, cTotal, work);
    return;
  }
  const NR = tileWidth<T>();
  const edge = work;
  const tile = edge + EDGE_BYTES;
  const panels = tile + TILE_BYTES;
  const kcStep = kBlockStep(positions);
  const block = panels + <usize>packedRowsBytes<T>(fn, kcStep);
  const rowBytes = at<T>(0, rowLength);
  const fullN = rowLength - rowLength % NR;
  for (let pc = 0; pc < positions; pc += kcStep) {
    const kc = min(kcStep, positions - pc);
    const beta = pc == 0 ? <T>0 : <T>1;
    // The col rows of output rows g0 ... g1 (counted over all images), then the block's first.
    const g0 = pc / ow;
    const g1 = (pc + kc - 1) / ow;
    for (let g = g0; g <= g1; g++) {
      im2colRow<T>(at<T>(x, (g / oh) * cTotal * h * w), c, h, w, fh, fw, stride, pad, g % oh, ow, block + <usize>((g - g0) * ow) * rowBytes);
    }
    const b = block + <usize>(pc - g0 * ow) * rowBytes;
    packRowsOfBlock<T>(dY, fn, pc, kc, panels);
    if (fullN < rowLength) copyEdgeTile<T>(at<T>(b, fullN), rowBytes, kc, rowLength - fullN, tile);
    for (let ir = 0; ir < fn; ir += MR) {
      const mr = min(MR, fn - ir);
      const pa = panels + <usize>(ir * kc) * sizeof<T>();
      const cRow = at<T>(dW, ir * ldw);
      for (let jr = 0; jr < fullN; jr += NR) {
        microKernel<T>(kc, pa, MR * sizeof<T>(), true, at<T>(b, jr), rowBytes, <T>1, beta, at<T>(cRow, jr), ldw, mr, NR, edge);
      }
      if (fullN < rowLength) {
        const nr = rowLength - fullN;
        if (nr > lanes<T>()) microKernel<T>(kc, pa, MR * sizeof<T>(), true, tile, 32, <T>1, beta, at<T>(cRow, fullN), ldw, mr, nr, edge);
        else microKernelOneVector<T>(kc, pa, MR * sizeof<T>(), true, tile, <T>1, beta, at<T>(cRow, fullN), ldw, mr, nr, edge);
      }
    }
  }
}

/**
 * Packs op(A) = dYᵀ over the k-block [p0, p0 + kc), dY (positions, fn) row-major, into MR-row
 * panels of kc steps: panel q holds, for p ascending, dY[p0 + p, q * MR ... q * MR + MR - 1]
 * (zeros past fn).
 */
function packRowsOfBlock<T>(dY: usize, fn: i32, p0: i32, kc: i32, dst: usize): void {
  for (let r0 = 0; r0 < fn; r0 += MR) {
    const mr = min(MR, fn - r0);
    let s = at<T>(dY, p0 * fn + r0);
    if (mr == MR) {
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(s));
        if (sizeof<T>() == 8) v128.store(dst, v128.load(s, 16), 16);
        s = at<T>(s, fn);
        dst = at<T>(dst, MR);
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) store<T>(at<T>(dst, r), r < mr ? load<T>(at<T>(s, r)) : <T>0);
        s = at<T>(s, fn);
        dst = at<T>(dst, MR);
      }
    }
  }
}

export function convFilterGrad_f32(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                                   x: usize, dY: usize, dW: usize, cTotal: i32, work: usize): void {
  convFilterGrad<f32>(n, c, h, w, fn, fh, fw, stride, pad, x, dY, dW, cTotal, work);
}
export function convFilterGrad_f64(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                                   x: usize, dY: usize, dW: usize, cTotal: i32, work: usize): void {
  convFilterGrad<f64>(n, c, h, w, fn, fh, fw, stride, pad, x, dY, dW, cTotal, work);
}

/** Bytes of convFilterGrad's `work`: the direct path's at stride 1, else the col rows of a k-block (a multiple of 16). */
@inline function convFilterGradWorkBytes<T>(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32, positions: i32): i32 {
  const bytes = filterGradIsDirect(positions, stride) ? filterGradDirectWorkBytes<T>(c, h, w, fn, fh, fw, pad, positions)
    : filterGradWorkBytes<T>(c, fh, fw, fn, outSize(w, fw, stride, pad), positions);
  return (bytes + 15) & ~15;
}
/** Bytes of `work` that convFilterGrad_f32 needs for these sizes (positions = n * oh * ow; a multiple of 16). */
export function convFilterGradWorkBytes_f32(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32, positions: i32): i32 {
  return convFilterGradWorkBytes<f32>(c, h, w, fn, fh, fw, stride, pad, positions);
}
/** Bytes of `work` that convFilterGrad_f64 needs for these sizes (positions = n * oh * ow; a multiple of 16). */
export function convFilterGradWorkBytes_f64(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32, positions: i32): i32 {
  return convFilterGradWorkBytes<f64>(c, h, w, fn, fh, fw, stride, pad, positions);
}

// ------------------------------------------------------------------------------ dx

/**
 * dx (n, c, h, w) of a convolution from dout (n, fn, oh, ow) and W (fn, c * fh * fw): what
 * col2im(dY W) gives, with dY = dout as rows (n * oh * ow, fn), but without the dcol matrix.
 * For each image, chunkRows output rows at a time: dcolᵀ (c * fh * fw, chunkRows * ow) =
 * Wᵀ dout[img, :, rows] (dout is read where it stands, its positions being contiguous), then
 * added onto dx as col2im adds dcol, rows (oy, ox) ascending. dx is overwritten.
 * At stride 1 with c >= MR: inputGradDirect, whose sums run in another order (conv-direct.ts).
 * work: convInputGradWorkBytes(c, h, w, fn, fh, fw, stride, pad, chunkRows) bytes, 16-byte aligned.
 */
function convInputGrad<T>(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                          dout: usize, weights: usize, dx: usize, chunkRows: i32, work: usize): void {
  const oh = outSize(h, fh, stride, pad);
  const ow = outSize(w, fw, stride, pad);
  const rowLength = c * fh * fw;
  if (inputGradIsDirect(c, fn, stride)) {
    inputGradDirect<T>(n, c, h, w, fn, fh, fw, pad, dout, weights, dx, work);
    return;
  }
  const edge = work;
  const tile = edge + EDGE_BYTES;
  const packedA = tile + TILE_BYTES;
  const block = packedA + <usize>packedRowsBytes<T>(rowLength, fn);
  if (fn == 0) {
    // No filters: nothing reaches dx (and there is no k to split into blocks).
    memory.fill(dx, 0, <usize>(n * c * h * w) << alignof<T>());
    return;
  }
  packTransposed<T>(weights, fn, rowLength, packedA);
  for (let img = 0; img < n; img++) {
    const image = at<T>(dx, img * c * h * w);
    memory.fill(image, 0, <usize>(c * h * w) << alignof<T>());
    const grads = at<T>(dout, img * fn * oh * ow);
    for (let oy0 = 0; oy0 < oh; oy0 += chunkRows) {
      const rows = min(chunkRows, oh - oy0);
      const npos = rows * ow;
      productIntoBlock<T>(rowLength, npos, fn, packedA, at<T>(grads, oy0 * ow), oh * ow, block, npos, tile, edge);
      if (stride == 1) addBlockUnitStride<T>(block, npos, oy0, rows, c, h, w, fh, fw, pad, ow, image);
      else addBlock<T>(block, npos, oy0, rows, c, h, w, fh, fw, stride, pad, ow, image);
    }
  }
}

/**
 * col2im of one block: dcolᵀ (c * fh * fw, npos) of output rows oy0 ... oy0 + rows - 1 added onto
 * image (c, h, w), for each pixel rows (oy, ox) ascending, as col2im does.
 */
function addBlock<T>(block: usize, npos: i32, oy0: i32, rows: i32, c: i32, h: i32, w: i32,
                     fh: i32, fw: i32, stride: i32, pad: i32, ow: i32, image: usize): void {
  for (let oy = oy0; oy < oy0 + rows; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const pos = (oy - oy0) * ow + ox;
      for (let ch = 0; ch < c; ch++) {
        for (let ky = 0; ky < fh; ky++) {
          const iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= h) continue;
          const line = at<T>(image, (ch * h + iy) * w);
          const column = (ch * fh + ky) * fw;
          for (let kx = 0; kx < fw; kx++) {
            const ix = ox * stride - pad + kx;
            if (ix < 0 || ix >= w) continue;
            const p = at<T>(line, ix);
            store<T>(p, load<T>(p) + load<T>(at<T>(block, (column + kx) * npos + pos)));
          }
        }
      }
    }
  }
}


/** Lane j of a v128 of i32 or i64 holds j: the edge masks of addBlockUnitStride. */
const LANE_INDEX_I32 = memory.data<i32>([0, 1, 2, 3]);
const LANE_INDEX_I64 = memory.data<i64>([0, 1]);

/** A v128 of T's lane widths: all ones where first + j (j the lane) lies in [0, count), zeros elsewhere. */
@inline function lanesInRange<T>(first: i32, count: i32): v128 {
  if (sizeof<T>() == 4) {
    const index = v128.add<i32>(v128.splat<i32>(first), v128.load(LANE_INDEX_I32));
    return v128.and(v128.ge<i32>(index, v128.splat<i32>(0)), v128.lt<i32>(index, v128.splat<i32>(count)));
  }
  const index = v128.add<i64>(v128.splat<i64>(<i64>first), v128.load(LANE_INDEX_I64));
  return v128.and(v128.ge<i64>(index, v128.splat<i64>(0)), v128.lt<i64>(index, v128.splat<i64>(<i64>count)));
}

/**
 * addBlock at stride 1, pixel by pixel: within output row oy, pixel (ch, iy, ix) takes
 * dcolᵀ[(ch, ky, kx), ox = ix + pad - kx] for kx from fw - 1 down to 0 (ox ascending, so the
 * order of addBlock). dcolᵀ holds the positions of one column side by side, so a v128 of
 * pixels takes each kx as one plain v128 load. Near the image's left and right edges some lanes'
 * ox falls outside [0, ow): their loads (a neighbouring row's positions, or up to fw values past
 * the block, which `work` leaves room for) are masked to +0, and adding +0 leaves every sum as it
 * was (a sum that starts at +0 is never -0).
 */
function addBlockUnitStride<T>(block: usize, npos: i32, oy0: i32, rows: i32, c: i32, h: i32, w: i32,
                               fh: i32, fw: i32, pad: i32, ow: i32, image: usize): void {
  const L = lanes<T>();
  // A v128 of pixels from vecLo on meets every kx at an ox >= 0; one starting below vecHi, at ox < ow.
  const vecLo = max(0, fw - 1 - pad);
  const vecHi = ow - pad - L + 1;
  const columnBytes = at<T>(0, npos);
  for (let oy = oy0; oy < oy0 + rows; oy++) {
    for (let ch = 0; ch < c; ch++) {
      for (let ky = 0; ky < fh; ky++) {
        const iy = oy - pad + ky;
        if (iy < 0 || iy >= h) continue;
        const line = at<T>(image, (ch * h + iy) * w);
        // dcolᵀ[(ch, ky, kx), position (oy, ox)] sits at window + kx * columnBytes + ox.
        const window = at<T>(block, (ch * fh + ky) * fw * npos + (oy - oy0) * ow);
        let ix = 0;
        for (; ix + L <= w; ix += L) {
          const p = at<T>(line, ix);
          let sum = v128.load(p);
          if (ix >= vecLo && ix < vecHi) {
            for (let kx = fw - 1; kx >= 0; kx--) {
              sum = v128.add<T>(sum, v128.load(at<T>(window + <usize>kx * columnBytes, ix + pad - kx)));
            }
          } else {
            for (let kx = fw - 1; kx >= 0; kx--) {
              const values = v128.load(at<T>(window + <usize>kx * columnBytes, ix + pad - kx));
              sum = v128.add<T>(sum, v128.and(values, lanesInRange<T>(ix + pad - kx, ow)));
            }
          }
          v128.store(p, sum);
        }
        for (; ix < w; ix++) addPixel<T>(at<T>(line, ix), window, ix + pad, fw, ow, columnBytes);
      }
    }
  }
}

/** One pixel of addBlockUnitStride: adds window[kx][oxEnd - kx] for kx down to 0, where ox is in [0, ow). */
@inline function addPixel<T>(p: usize, window: usize, oxEnd: i32, fw: i32, ow: i32, columnBytes: usize): void {
  let sum = load<T>(p);
  for (let kx = fw - 1; kx >= 0; kx--) {
    const ox = oxEnd - kx;
    if (ox >= 0 && ox < ow) sum += load<T>(at<T>(window + <usize>kx * columnBytes, ox));
  }
  store<T>(p, sum);
}

export function convInputGrad_f32(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                                  dout: usize, weights: usize, dx: usize, chunkRows: i32, work: usize): void {
  convInputGrad<f32>(n, c, h, w, fn, fh, fw, stride, pad, dout, weights, dx, chunkRows, work);
}
export function convInputGrad_f64(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                                  dout: usize, weights: usize, dx: usize, chunkRows: i32, work: usize): void {
  convInputGrad<f64>(n, c, h, w, fn, fh, fw, stride, pad, dout, weights, dx, chunkRows, work);
}

/** Bytes of convInputGrad's `work`: the direct path's at stride 1, else the blocks of dcolᵀ (a multiple of 16). */
@inline function convInputGradWorkBytes<T>(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32, chunkRows: i32): i32 {
  const bytes = inputGradIsDirect(c, fn, stride) ? inputGradDirectWorkBytes<T>(c, h, w, fn, fh, fw)
    : inputGradWorkBytes<T>(c, fh, fw, fn, outSize(w, fw, stride, pad), chunkRows);
  return (bytes + 15) & ~15;
}
/** Bytes of `work` that convInputGrad_f32 needs for these sizes (a multiple of 16). */
export function convInputGradWorkBytes_f32(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32, chunkRows: i32): i32 {
  return convInputGradWorkBytes<f32>(c, h, w, fn, fh, fw, stride, pad, chunkRows);
}
/** Bytes of `work` that convInputGrad_f64 needs for these sizes (a multiple of 16). */
export function convInputGradWorkBytes_f64(c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32, chunkRows: i32): i32 {
  return convInputGradWorkBytes<f64>(c, h, w, fn, fh, fw, stride, pad, chunkRows);
}
