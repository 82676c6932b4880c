// Convolution's products without the col matrix. conv.ts lowers a layer to GEMMs over col
// (N * OH * OW, C * FH * FW), a matrix nine times the size of the input for a 3x3 filter; here
// the same products run on a few output rows of one image at a time, in a block of `work` that
// stays in cache, and each block goes on to its destination while it is hot.
//
// Every product uses the GEMM's micro-tile and k-blocks (gemm-tile.ts), so each value is summed
// in the order gemm.ts sums it, and what follows (the col2im adds) runs in col2im's order: the
// results are bit-identical to the lowering through col, whatever the block size.
// Images are computed one by one and never read another's: threads split them by whole images.
import { at, lanes } from './lanes';
import { outSize } from './window';
import { MR, kBlockStep, microKernel, microKernelOneVector, tileWidth } from './gemm-tile';

/** Scratch for one partial tile of C (MR rows of NR values, rows 32 bytes apart). */
const EDGE_BYTES = 128;

/** Bytes of a packed op(A) of m rows over k: ceil(m / MR) panels of k steps of MR values. */
@inline function packedRowsBytes<T>(m: i32, k: i32): i32 {
  return ((m + MR - 1) / MR) * MR * k * <i32>sizeof<T>();
}

/**
 * `work` of convInputGrad: the edge tile, Wᵀ packed, the last partial column tile of a block of
 * dout (KC steps of one 32-byte tile row), and the block of dcolᵀ (rowLength, chunkRows * ow).
 */
@inline function inputGradWorkBytes<T>(c: i32, fh: i32, fw: i32, fn: i32, ow: i32, chunkRows: i32): i32 {
  const rowLength = c * fh * fw;
  return EDGE_BYTES + packedRowsBytes<T>(rowLength, fn) + fn * 32 + rowLength * chunkRows * ow * <i32>sizeof<T>();
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
 * dcolᵀ (m, npos) = op(A) (m, k) B (k, npos), the k-blocks of gemm: A packed by packTransposed,
 * B read in place (rows ldb elements apart) but for a last partial column tile, which is copied
 * (zero-padded) to `tile` so no read runs past B's rows.
 */
function productIntoBlock<T>(m: i32, npos: i32, k: i32, packedA: usize, b: usize, ldb: i32,
                             dst: usize, tile: usize, edge: usize): void {
  const NR = tileWidth<T>();
  const kcStep = kBlockStep(k);
  const fullN = npos - npos % NR;
  for (let pc = 0; pc < k; pc += kcStep) {
    const kc = min(kcStep, k - pc);
    // Later k-blocks add to what the earlier ones wrote.
    const beta = pc == 0 ? <T>0 : <T>1;
    if (fullN < npos) {
      for (let p = 0; p < kc; p++) {
        const s = at<T>(b, (pc + p) * ldb + fullN);
        const d = tile + <usize>(p * 32);
        for (let j = 0; j < NR; j++) store<T>(at<T>(d, j), j < npos - fullN ? load<T>(at<T>(s, j)) : <T>0);
      }
    }
    for (let ir = 0; ir < m; ir += MR) {
      const mr = min(MR, m - ir);
      const pa = packedA + <usize>(ir * k + pc * MR) * sizeof<T>();
      const cRow = at<T>(dst, ir * npos);
      for (let jr = 0; jr < fullN; jr += NR) {
        microKernel<T>(kc, pa, MR * sizeof<T>(), true, at<T>(b, pc * ldb + jr), at<T>(0, ldb), <T>1, beta, at<T>(cRow, jr), npos, mr, NR, edge);
      }
      if (fullN < npos) {
        const nr = npos - fullN;
        if (nr > lanes<T>()) microKernel<T>(kc, pa, MR * sizeof<T>(), true, tile, 32, <T>1, beta, at<T>(cRow, fullN), npos, mr, nr, edge);
        else microKernelOneVector<T>(kc, pa, MR * sizeof<T>(), true, tile, <T>1, beta, at<T>(cRow, fullN), npos, mr, nr, edge);
      }
    }
  }
}

// ------------------------------------------------------------------------------ dx

/**
 * dx (n, c, h, w) of a convolution from dout (n, fn, oh, ow) and W (fn, c * fh * fw): what
 * col2im(dY W) gives, with dY = dout as rows (n * oh * ow, fn), but without the dcol matrix.
 * For each image, chunkRows output rows at a time: dcolᵀ (c * fh * fw, chunkRows * ow) =
 * Wᵀ dout[img, :, rows] (dout is read where it stands, its positions being contiguous), then
 * added onto dx as col2im adds dcol, rows (oy, ox) ascending. dx is overwritten.
 * work: convInputGradWorkBytes(c, fh, fw, fn, ow, chunkRows) bytes, 16-byte aligned.
 */
function convInputGrad<T>(n: i32, c: i32, h: i32, w: i32, fn: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                          dout: usize, weights: usize, dx: usize, chunkRows: i32, work: usize): void {
  const oh = outSize(h, fh, stride, pad);
  const ow = outSize(w, fw, stride, pad);
  const rowLength = c * fh * fw;
  const edge = work;
  const packedA = edge + EDGE_BYTES;
  const tile = packedA + <usize>packedRowsBytes<T>(rowLength, fn);
  const block = tile + <usize>(fn * 32);
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
      productIntoBlock<T>(rowLength, npos, fn, packedA, at<T>(grads, oy0 * ow), oh * ow, block, tile, edge);
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

/**
 * addBlock at stride 1, pixel by pixel: within output row oy, pixel (ch, iy, ix) takes
 * dcolᵀ[(ch, ky, kx), ox = ix + pad - kx] for kx from fw - 1 down to 0 (ox ascending, so the
 * order of addBlock). dcolᵀ holds the positions of one column side by side, so a v128 of
 * pixels takes each kx as one plain v128 load.
 */
function addBlockUnitStride<T>(block: usize, npos: i32, oy0: i32, rows: i32, c: i32, h: i32, w: i32,
                               fh: i32, fw: i32, pad: i32, ow: i32, image: usize): void {
  const L = lanes<T>();
  // Pixels from vecLo on meet every kx at an ox >= 0; a v128 starting below vecHi meets them at ox < ow.
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
        for (; ix < w && ix < vecLo; ix++) addPixel<T>(at<T>(line, ix), window, ix + pad, fw, ow, columnBytes);
        for (; ix + L <= w && ix < vecHi; ix += L) {
          const p = at<T>(line, ix);
          let sum = v128.load(p);
          for (let kx = fw - 1; kx >= 0; kx--) {
            sum = v128.add<T>(sum, v128.load(at<T>(window + <usize>kx * columnBytes, ix + pad - kx)));
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

/** Bytes of `work` that convInputGrad_f32 needs for these sizes (a multiple of 16). */
export function convInputGradWorkBytes_f32(c: i32, fh: i32, fw: i32, fn: i32, ow: i32, chunkRows: i32): i32 {
  return (inputGradWorkBytes<f32>(c, fh, fw, fn, ow, chunkRows) + 15) & ~15;
}
/** Bytes of `work` that convInputGrad_f64 needs for these sizes (a multiple of 16). */
export function convInputGradWorkBytes_f64(c: i32, fh: i32, fw: i32, fn: i32, ow: i32, chunkRows: i32): i32 {
  return (inputGradWorkBytes<f64>(c, fh, fw, fn, ow, chunkRows) + 15) & ~15;
}
