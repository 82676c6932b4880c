// Max and average pooling over planes: x is (planes, h, w) (an NCHW tensor's N * C planes),
// y is (planes, oh, ow) with oh = (h + 2 * pad - ph) / stride + 1 (floored), likewise ow.
// As in the book, padding is zeros that take part in the window: a max may be a padding 0,
// an average always divides by ph * pw. So a window may be larger than the stride, and the
// padding larger than the window (a window wholly in the padding gives 0).
// Planes are independent: threads split them by whole planes and get the same bits.
import { at } from './lanes';
import { outSize } from './window';

// ------------------------------------------------------------------------------ max pool

/**
 * y[p, oy, ox] = the max of the window; argmax (i32, like y) = the index oy' * w + ox' in the
 * plane of the first max in window order (rows, then columns), or -1 when it is a padding 0.
 * NaN never wins a comparison (a window of NaNs gives its first element).
 */
function maxPoolForward<T>(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize, argmax: usize): void {
  const oh = outSize(h, ph, stride, pad);
  const ow = outSize(w, pw, stride, pad);
  for (let p = 0; p < planes; p++) {
    const plane = at<T>(x, p * h * w);
    const out = p * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best: T = <T>0;
        let bestIndex = -2; // no candidate yet
        for (let ky = 0; ky < ph; ky++) {
          const iy = oy * stride - pad + ky;
          for (let kx = 0; kx < pw; kx++) {
            const ix = ox * stride - pad + kx;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            const v: T = inside ? load<T>(at<T>(plane, iy * w + ix)) : <T>0;
            if (bestIndex == -2 || v > best) {
              best = v;
              bestIndex = inside ? iy * w + ix : -1;
            }
          }
        }
        store<T>(at<T>(y, out + oy * ow + ox), best);
        store<i32>(at<i32>(argmax, out + oy * ow + ox), bestIndex);
      }
    }
  }
}

export function maxPoolForward_f32(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize, argmax: usize): void {
  maxPoolForward<f32>(planes, h, w, ph, pw, stride, pad, x, y, argmax);
}
export function maxPoolForward_f64(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize, argmax: usize): void {
  maxPoolForward<f64>(planes, h, w, ph, pw, stride, pad, x, y, argmax);
}

/**
 * dx (planes, h, w) = 0, then dx[p, argmax[p, o]] += dy[p, o] for every output o in order
 * (windows that overlap may pick the same input). dy and argmax are (planes, oh, ow).
 */
function maxPoolBackward<T>(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, dy: usize, argmax: usize, dx: usize): void {
  const outs = outSize(h, ph, stride, pad) * outSize(w, pw, stride, pad);
  for (let p = 0; p < planes; p++) {
    const plane = at<T>(dx, p * h * w);
    memory.fill(plane, 0, <usize>(h * w) << alignof<T>());
    for (let o = 0; o < outs; o++) {
      const i = load<i32>(at<i32>(argmax, p * outs + o));
      if (i >= 0) {
        const d = at<T>(plane, i);
        store<T>(d, load<T>(d) + load<T>(at<T>(dy, p * outs + o)));
      }
    }
  }
}

export function maxPoolBackward_f32(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, dy: usize, argmax: usize, dx: usize): void {
  maxPoolBackward<f32>(planes, h, w, ph, pw, stride, pad, dy, argmax, dx);
}
export function maxPoolBackward_f64(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, dy: usize, argmax: usize, dx: usize): void {
  maxPoolBackward<f64>(planes, h, w, ph, pw, stride, pad, dy, argmax, dx);
}

// ------------------------------------------------------------------------------ avg pool

/** y[p, oy, ox] = (sum of the window, rows then columns, padding 0s included) / (ph * pw). */
function avgPoolForward<T>(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize): void {
  const oh = outSize(h, ph, stride, pad);
  const ow = outSize(w, pw, stride, pad);
  const count = <T>(ph * pw);
  for (let p = 0; p < planes; p++) {
    const plane = at<T>(x, p * h * w);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let sum: T = <T>0;
        for (let ky = 0; ky < ph; ky++) {
          const iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < pw; kx++) {
            const ix = ox * stride - pad + kx;
            if (ix >= 0 && ix < w) sum += load<T>(at<T>(plane, iy * w + ix));
          }
        }
        store<T>(at<T>(y, (p * oh + oy) * ow + ox), sum / count);
      }
    }
  }
}

export function avgPoolForward_f32(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize): void {
  avgPoolForward<f32>(planes, h, w, ph, pw, stride, pad, x, y);
}
export function avgPoolForward_f64(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize): void {
  avgPoolForward<f64>(planes, h, w, ph, pw, stride, pad, x, y);
}

/** dx (planes, h, w) = 0, then each dy[p, oy, ox] / (ph * pw) is added to its window's inputs, outputs in order. */
function avgPoolBackward<T>(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, dy: usize, dx: usize): void {
  const oh = outSize(h, ph, stride, pad);
  const ow = outSize(w, pw, stride, pad);
  const count = <T>(ph * pw);
  for (let p = 0; p < planes; p++) {
    const plane = at<T>(dx, p * h * w);
    memory.fill(plane, 0, <usize>(h * w) << alignof<T>());
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const share = load<T>(at<T>(dy, (p * oh + oy) * ow + ox)) / count;
        for (let ky = 0; ky < ph; ky++) {
          const iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < pw; kx++) {
            const ix = ox * stride - pad + kx;
            if (ix >= 0 && ix < w) {
              const d = at<T>(plane, iy * w + ix);
              store<T>(d, load<T>(d) + share);
            }
          }
        }
      }
    }
  }
}

export function avgPoolBackward_f32(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, dy: usize, dx: usize): void {
  avgPoolBackward<f32>(planes, h, w, ph, pw, stride, pad, dy, dx);
}
export function avgPoolBackward_f64(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, dy: usize, dx: usize): void {
  avgPoolBackward<f64>(planes, h, w, ph, pw, stride, pad, dy, dx);
}
