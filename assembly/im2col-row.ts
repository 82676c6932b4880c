// One output row's worth of im2col: the col rows of the positions (oy, 0 ... ow - 1) of one image.
// Internal: index.ts does not re-export this file (generic helpers cannot be wasm exports).
import { at, lanes } from './lanes';

/** The first output position along an axis whose window starts inside the image (x0 >= 0). */
@inline function firstInside(stride: i32, pad: i32): i32 {
  return (pad + stride - 1) / stride;
}

/** One past the last output position whose window [x0, x0 + span) ends inside a row of w (at most `count`). */
@inline function endInside(w: i32, span: i32, stride: i32, pad: i32, count: i32): i32 {
  const last = w + pad - span; // the largest x0 + pad that fits
  return last < 0 ? 0 : min(count, last / stride + 1);
}

/**
 * The ow col rows of output row oy of one image (c, h, w), written to `rows` (ow * c * fh * fw).
 * For each window row (ch, ky), the inner loop walks ox: one window row per col row, rowLength
 * apart, so a window row narrower than a v128 (3x3 in f32) is one copy. Nothing is written past
 * the last col row. conv.ts's im2col and conv-implicit.ts's blocks of col rows are made of these.
 */
@inline export function im2colRow<T>(image: usize, c: i32, h: i32, w: i32, fh: i32, fw: i32, stride: i32, pad: i32,
                                     oy: i32, ow: i32, rows: usize): void {
  const rowLength = c * fh * fw;
  const L = lanes<T>();
  // Windows of ox in [inLo, inHi) lie inside the row; below vecHi a whole v128 from x0 does too.
  const inLo = min(firstInside(stride, pad), ow);
  const inHi = max(inLo, endInside(w, fw, stride, pad, ow));
  const vecHi = max(inLo, min(inHi, endInside(w, L, stride, pad, ow)));
  const rowBytes = at<T>(0, rowLength);
  let pos = 0;
  for (let ch = 0; ch < c; ch++) {
    const plane = at<T>(image, ch * h * w);
    for (let ky = 0; ky < fh; ky++) {
      const iy = oy * stride - pad + ky;
      const first = at<T>(rows, pos);
      if (iy < 0 || iy >= h) {
        let dst = first;
        for (let ox = 0; ox < ow; ox++) {
          for (let kx = 0; kx < fw; kx++) store<T>(at<T>(dst, kx), <T>0);
          dst += rowBytes;
        }
      } else {
        const line = at<T>(plane, iy * w);
        for (let ox = 0; ox < inLo; ox++) copyClipped<T>(at<T>(first, ox * rowLength), line, ox * stride - pad, fw, w);
        let ox = inLo;
        let dst = at<T>(first, ox * rowLength);
        let src = at<T>(line, ox * stride - pad);
        const srcStep = at<T>(0, stride);
        if (fw < L && pos + L <= rowLength) {
          // The extra lanes land on later window rows of the same col row, written after this one.
          for (; ox < vecHi; ox++) {
            v128.store(dst, v128.load(src));
            dst += rowBytes;
            src += srcStep;
          }
        } else if (fw >= L) {
          for (; ox < inHi; ox++) {
            let kx = 0;
            for (; kx + L <= fw; kx += L) v128.store(at<T>(dst, kx), v128.load(at<T>(src, kx)));
            // The last v128 of the window row overlaps values already copied.
            if (kx < fw) v128.store(at<T>(dst, fw - L), v128.load(at<T>(src, fw - L)));
            dst += rowBytes;
            src += srcStep;
          }
        }
        for (; ox < inHi; ox++) {
          for (let kx = 0; kx < fw; kx++) store<T>(at<T>(dst, kx), load<T>(at<T>(src, kx)));
          dst += rowBytes;
          src += srcStep;
        }
        for (; ox < ow; ox++) copyClipped<T>(at<T>(first, ox * rowLength), line, ox * stride - pad, fw, w);
      }
      pos += fw;
    }
  }
}

/** dst[kx] = line[x0 + kx] for kx < fw, 0 where x0 + kx falls outside [0, w). */
@inline function copyClipped<T>(dst: usize, line: usize, x0: i32, fw: i32, w: i32): void {
  for (let kx = 0; kx < fw; kx++) {
    const ix = x0 + kx;
    store<T>(at<T>(dst, kx), ix >= 0 && ix < w ? load<T>(at<T>(line, ix)) : <T>0);
  }
}
