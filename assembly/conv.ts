// Convolution lowered to GEMM, as the book does it: im2col lays every receptive field of an
// image out as one row, so the convolution is one (N * OH * OW, C * FH * FW) x (C * FH * FW, FN)
// product; col2im adds the rows back onto the image positions they came from (backward).
// The GEMM's rows come out (N, OH * OW, FN); transposeBatch turns them into NCHW and back.
//
// Images are NCHW with zero padding `pad` on all four sides and one `stride` for both axes:
//   OH = (H + 2 * pad - FH) / stride + 1 (floored), likewise OW.
// Every kernel works on images (or matrices) one by one and never reads another's: threads
// split them by whole images and get the same bits as one thread.
import { at, lanes } from './lanes';
import { outSize } from './window';
import { im2colRow } from './im2col-row';

// --------------------------------------------------------------------------------- im2col

/**
 * x is (n, c, h, w); col is (n * oh * ow, c * fh * fw): row (img, oy, ox) holds
 * x[img, ch, oy * stride - pad + ky, ox * stride - pad + kx] at column (ch, ky, kx), 0 outside x.
 */
function im2col<T>(n: i32, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32, x: usize, col: usize): void {
  const oh = outSize(h, fh, stride, pad);
  const ow = outSize(w, fw, stride, pad);
  const rowLength = c * fh * fw;
  for (let img = 0; img < n; img++) {
    const image = at<T>(x, img * c * h * w);
    for (let oy = 0; oy < oh; oy++) im2colRow<T>(image, c, h, w, fh, fw, stride, pad, oy, ow, at<T>(col, (img * oh + oy) * ow * rowLength));
  }
}

export function im2col_f32(n: i32, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32, x: usize, col: usize): void {
  im2col<f32>(n, c, h, w, fh, fw, stride, pad, x, col);
}
export function im2col_f64(n: i32, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32, x: usize, col: usize): void {
  im2col<f64>(n, c, h, w, fh, fw, stride, pad, x, col);
}

// --------------------------------------------------------------------------------- col2im

/**
 * The adjoint of im2col: col is (n * oh * ow, c * fh * fw), x is (n, c, h, w) and is overwritten
 * with the sum, over every column entry that im2col copied from x[img, ch, iy, ix], of that entry.
 * Padding positions are dropped. Each image's sums run in one fixed order: rows (oy, ox)
 * ascending, then columns (ch, ky, kx) ascending.
 */
function col2im<T>(n: i32, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32, col: usize, x: usize): void {
  // In f64 a gather of two lanes measured no faster than the window rows below.
  if (stride == 1 && sizeof<T>() == 4) {
    col2imUnitStride<T>(n, c, h, w, fh, fw, pad, col, x);
    return;
  }
  const oh = outSize(h, fh, stride, pad);
  const ow = outSize(w, fw, stride, pad);
  const rowLength = c * fh * fw;
  const L = lanes<T>();
  for (let img = 0; img < n; img++) {
    const image = at<T>(x, img * c * h * w);
    memory.fill(image, 0, <usize>(c * h * w) << alignof<T>());
    let src = at<T>(col, img * oh * ow * rowLength);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * stride - pad;
        // A window row inside the image adds onto fw adjacent pixels, a v128 at a time; the
        // pixels of one window row are distinct, so each pixel's sum keeps its order.
        const inside = x0 >= 0 && x0 + fw <= w;
        for (let ch = 0; ch < c; ch++) {
          const plane = at<T>(image, ch * h * w);
          for (let ky = 0; ky < fh; ky++) {
            const iy = oy * stride - pad + ky;
            if (iy >= 0 && iy < h && inside) {
              const p = at<T>(plane, iy * w + x0);
              let kx = 0;
              for (; kx + L <= fw; kx += L) {
                v128.store(at<T>(p, kx), v128.add<T>(v128.load(at<T>(p, kx)), v128.load(at<T>(src, kx))));
              }
              for (; kx < fw; kx++) store<T>(at<T>(p, kx), load<T>(at<T>(p, kx)) + load<T>(at<T>(src, kx)));
            } else if (iy >= 0 && iy < h) {
              for (let kx = 0; kx < fw; kx++) {
                const ix = x0 + kx;
                if (ix >= 0 && ix < w) {
                  const p = at<T>(plane, iy * w + ix);
                  store<T>(p, load<T>(p) + load<T>(at<T>(src, kx)));
                }
              }
            }
            src = at<T>(src, fw);
          }
        }
      }
    }
  }
}

/**
 * col2im for stride 1, pixel by pixel instead of window by window: within one output row oy,
 * pixel (ch, iy, ix) takes col[(oy, ox), (ch, ky, kx)] for ox = ix + pad - kx, kx from fw - 1
 * down to 0 (ox ascending: the order of col2im above, so the same bits). A v128 of pixels takes
 * each kx as one v128 gathered from the col rows of its lanes, and is stored once.
 */
function col2imUnitStride<T>(n: i32, c: i32, h: i32, w: i32, fh: i32, fw: i32, pad: i32, col: usize, x: usize): void {
  const oh = outSize(h, fh, 1, pad);
  const ow = outSize(w, fw, 1, pad);
  const rowLength = c * fh * fw;
  const rowBytes = at<T>(0, rowLength);
  const L = lanes<T>();
  // Pixels from vecLo on meet every kx at an ox >= 0; a v128 starting below vecHi meets them at ox < ow.
  const vecLo = max(0, fw - 1 - pad);
  const vecHi = ow - pad - L + 1;
  for (let img = 0; img < n; img++) {
    const image = at<T>(x, img * c * h * w);
    memory.fill(image, 0, <usize>(c * h * w) << alignof<T>());
    for (let oy = 0; oy < oh; oy++) {
      const rows = at<T>(col, (img * oh + oy) * ow * rowLength);
      for (let ch = 0; ch < c; ch++) {
        const plane = at<T>(image, ch * h * w);
        for (let ky = 0; ky < fh; ky++) {
          const iy = oy - pad + ky;
          if (iy < 0 || iy >= h) continue;
          const line = at<T>(plane, iy * w);
          // Column (ch, ky, kx) of col row ox sits at window + ox * rowBytes + kx.
          const window = at<T>(rows, (ch * fh + ky) * fw);
          let ix = 0;
          for (; ix < w && ix < vecLo; ix++) addPixel<T>(at<T>(line, ix), window, ix + pad, fw, ow, rowBytes);
          for (; ix + L <= w && ix < vecHi; ix += L) {
            const p = at<T>(line, ix);
            let sum = v128.load(p);
            for (let kx = fw - 1; kx >= 0; kx--) {
              sum = v128.add<T>(sum, gatherRows<T>(window + <usize>(ix + pad - kx) * rowBytes + at<T>(0, kx), rowBytes));
            }
            v128.store(p, sum);
          }
          for (; ix < w; ix++) addPixel<T>(at<T>(line, ix), window, ix + pad, fw, ow, rowBytes);
        }
      }
    }
  }
}

/** One pixel of col2imUnitStride: adds col[(oy, oxEnd - kx), window column kx] for kx down to 0, where ox is in [0, ow). */
@inline function addPixel<T>(p: usize, window: usize, oxEnd: i32, fw: i32, ow: i32, rowBytes: usize): void {
  let sum = load<T>(p);
  for (let kx = fw - 1; kx >= 0; kx--) {
    const ox = oxEnd - kx;
    if (ox >= 0 && ox < ow) sum += load<T>(window + <usize>ox * rowBytes + at<T>(0, kx));
  }
  store<T>(p, sum);
}

/** A v128 of T whose lane j is the T at p + j * step. */
@inline function gatherRows<T>(p: usize, step: usize): v128 {
  if (sizeof<T>() == 8) return v128.load64_lane(p + step, v128.load64_zero(p), 1);
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + step, v, 1);
  v = v128.load32_lane(p + 2 * step, v, 2);
  return v128.load32_lane(p + 3 * step, v, 3);
}

export function col2im_f32(n: i32, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32, col: usize, x: usize): void {
  col2im<f32>(n, c, h, w, fh, fw, stride, pad, col, x);
}
export function col2im_f64(n: i32, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32, col: usize, x: usize): void {
  col2im<f64>(n, c, h, w, fh, fw, stride, pad, col, x);
}

// ------------------------------------------------------------------------ transposeBatch

/**
 * src is n matrices of (rows, cols), dst is n matrices of (cols, rows): dst[i] = src[i]ᵀ.
 * Turns the GEMM's (N, OH * OW, FN) into NCHW (N, FN, OH * OW), and dout back. Square tiles of
 * one v128 per row (4 x 4 f32, 2 x 2 f64) are transposed in registers; the edges go one by one.
 */
function transposeBatch<T>(n: i32, rows: i32, cols: i32, src: usize, dst: usize): void {
  const L = lanes<T>();
  for (let i = 0; i < n; i++) {
    const s = at<T>(src, i * rows * cols);
    const d = at<T>(dst, i * rows * cols);
    let r = 0;
    for (; r + L <= rows; r += L) {
      let c = 0;
      for (; c + L <= cols; c += L) transposeTile<T>(at<T>(s, r * cols + c), cols, at<T>(d, c * rows + r), rows);
      for (; c < cols; c++) {
        for (let k = r; k < r + L; k++) store<T>(at<T>(d, c * rows + k), load<T>(at<T>(s, k * cols + c)));
      }
    }
    for (; r < rows; r++) {
      for (let c = 0; c < cols; c++) store<T>(at<T>(d, c * rows + r), load<T>(at<T>(s, r * cols + c)));
    }
  }
}

/** One tile of lanes x lanes: rows of s (stride ss elements) become rows of d (stride ds). */
@inline function transposeTile<T>(s: usize, ss: i32, d: usize, ds: i32): void {
  const a0 = v128.load(s);
  const a1 = v128.load(at<T>(s, ss));
  if (sizeof<T>() == 8) {
    v128.store(d, v128.shuffle<i64>(a0, a1, 0, 2));
    v128.store(at<T>(d, ds), v128.shuffle<i64>(a0, a1, 1, 3));
    return;
  }
  const a2 = v128.load(at<T>(s, 2 * ss));
  const a3 = v128.load(at<T>(s, 3 * ss));
  const t0 = v128.shuffle<i32>(a0, a1, 0, 4, 1, 5); // a0[0] a1[0] a0[1] a1[1]
  const t1 = v128.shuffle<i32>(a0, a1, 2, 6, 3, 7); // a0[2] a1[2] a0[3] a1[3]
  const t2 = v128.shuffle<i32>(a2, a3, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(a2, a3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<i64>(t0, t2, 0, 2));
  v128.store(at<T>(d, ds), v128.shuffle<i64>(t0, t2, 1, 3));
  v128.store(at<T>(d, 2 * ds), v128.shuffle<i64>(t1, t3, 0, 2));
  v128.store(at<T>(d, 3 * ds), v128.shuffle<i64>(t1, t3, 1, 3));
}

export function transposeBatch_f32(n: i32, rows: i32, cols: i32, src: usize, dst: usize): void {
  transposeBatch<f32>(n, rows, cols, src, dst);
}
export function transposeBatch_f64(n: i32, rows: i32, cols: i32, src: usize, dst: usize): void {
  transposeBatch<f64>(n, rows, cols, src, dst);
}
