// Convolution lowered to GEMM, as the book does it: im2col lays every receptive field of an
// image out as one row, so the convolution is one (N * OH * OW, C * FH * FW) x (C * FH * FW, FN)
// product; col2im adds the rows back onto the image positions they came from (backward).
// The GEMM's rows come out (N, OH * OW, FN); transposeBatch turns them into NCHW and back.
//
// Images are NCHW with zero padding `pad` on all four sides and one `stride` for both axes:
//   OH = (H + 2 * pad - FH) / stride + 1 (floored), likewise OW.
// Every kernel works on images (or matrices) one by one and never reads another's: threads
// split them by whole images and get the same bits as one thread.
import { at } from './lanes';
import { outSize } from './window';

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
    let row = at<T>(col, img * oh * ow * rowLength);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * stride - pad;
        // Whole window rows inside the image are a plain copy; others go element by element.
        const inside = x0 >= 0 && x0 + fw <= w;
        let dst = row;
        for (let ch = 0; ch < c; ch++) {
          const plane = at<T>(image, ch * h * w);
          for (let ky = 0; ky < fh; ky++) {
            const iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= h) {
              for (let kx = 0; kx < fw; kx++) store<T>(at<T>(dst, kx), <T>0);
            } else if (inside) {
              const src = at<T>(plane, iy * w + x0);
              for (let kx = 0; kx < fw; kx++) store<T>(at<T>(dst, kx), load<T>(at<T>(src, kx)));
            } else {
              for (let kx = 0; kx < fw; kx++) {
                const ix = x0 + kx;
                store<T>(at<T>(dst, kx), ix >= 0 && ix < w ? load<T>(at<T>(plane, iy * w + ix)) : <T>0);
              }
            }
            dst = at<T>(dst, fw);
          }
        }
        row = at<T>(row, rowLength);
      }
    }
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
  const oh = outSize(h, fh, stride, pad);
  const ow = outSize(w, fw, stride, pad);
  const rowLength = c * fh * fw;
  for (let img = 0; img < n; img++) {
    const image = at<T>(x, img * c * h * w);
    memory.fill(image, 0, <usize>(c * h * w) << alignof<T>());
    let src = at<T>(col, img * oh * ow * rowLength);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * stride - pad;
        for (let ch = 0; ch < c; ch++) {
          const plane = at<T>(image, ch * h * w);
          for (let ky = 0; ky < fh; ky++) {
            const iy = oy * stride - pad + ky;
            if (iy >= 0 && iy < h) {
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

export function col2im_f32(n: i32, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32, col: usize, x: usize): void {
  col2im<f32>(n, c, h, w, fh, fw, stride, pad, col, x);
}
export function col2im_f64(n: i32, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32, col: usize, x: usize): void {
  col2im<f64>(n, c, h, w, fh, fw, stride, pad, col, x);
}

// ------------------------------------------------------------------------ transposeBatch

/**
 * src is n matrices of (rows, cols), dst is n matrices of (cols, rows): dst[i] = src[i]ᵀ.
 * Turns the GEMM's (N, OH * OW, FN) into NCHW (N, FN, OH * OW), and dout back. Walked in
 * 8 x 8 blocks so both sides stay in cache lines.
 */
function transposeBatch<T>(n: i32, rows: i32, cols: i32, src: usize, dst: usize): void {
  const BLOCK = 8;
  for (let i = 0; i < n; i++) {
    const s = at<T>(src, i * rows * cols);
    const d = at<T>(dst, i * rows * cols);
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const r1 = min(r0 + BLOCK, rows);
      for (let c0 = 0; c0 < cols; c0 += BLOCK) {
        const c1 = min(c0 + BLOCK, cols);
        for (let r = r0; r < r1; r++) {
          for (let k = c0; k < c1; k++) store<T>(at<T>(d, k * rows + r), load<T>(at<T>(s, r * cols + k)));
        }
      }
    }
  }
}

export function transposeBatch_f32(n: i32, rows: i32, cols: i32, src: usize, dst: usize): void {
  transposeBatch<f32>(n, rows, cols, src, dst);
}
export function transposeBatch_f64(n: i32, rows: i32, cols: i32, src: usize, dst: usize): void {
  transposeBatch<f64>(n, rows, cols, src, dst);
}
