// Max and average pooling over planes: x is (planes, h, w) (an NCHW tensor's N * C planes),
// y is (planes, oh, ow) with oh = (h + 2 * pad - ph) / stride + 1 (floored), likewise ow.
// As in the book, padding is zeros that take part in the window: a max may be a padding 0,
// an average always divides by ph * pw. So a window may be larger than the stride, and the
// padding larger than the window (a window wholly in the padding gives 0).
// Planes are independent: threads split them by whole planes and get the same bits.
import { at } from './lanes';
import { outSize } from './window';
import { Ints } from './pointers';

// Each window is clipped to the plane once (first and last row and column inside), so the
// inner loops run without bounds checks; the padding is then one more candidate (max) or
// simply nothing to add (average).

/** First window row (or column) inside the plane: the window starts at `start` (may be < 0). */
@inline function firstInside(start: i32): i32 {
  return start < 0 ? -start : 0;
}
/** One past the last window row (or column) inside a plane of `size`. */
@inline function endInside(start: i32, window: i32, size: i32): i32 {
  return min(window, size - start);
}

// ------------------------------------------------------------------------------ max pool

/**
 * y[p, oy, ox] = the max of the window; argmax (i32, like y) = the index iy * w + ix in the
 * plane of the input it came from, or -1 for a padding 0. Among equal inputs the first in window
 * order (rows, then columns) wins; a padding 0 wins only over inputs that are all below 0.
 */
function maxPoolForward<T>(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize, argmax: Ints): void {
  const oh = outSize(h, ph, stride, pad);
  const ow = outSize(w, pw, stride, pad);
  // The book's 2x2 window, stride 2, no padding: four f32 outputs at a time.
  const pairs = sizeof<T>() == 4 && ph == 2 && pw == 2 && stride == 2 && pad == 0;
  for (let p = 0; p < planes; p++) {
    const plane = at<T>(x, p * h * w);
    const out = p * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * stride - pad;
      const ky0 = firstInside(y0);
      const ky1 = endInside(y0, ph, h);
      let ox = 0;
      if (pairs) ox = maxPool2x2Row(ow, w, plane, y0, at<f32>(y, out + oy * ow), at<i32>(argmax, out + oy * ow));
      for (; ox < ow; ox++) {
        const x0 = ox * stride - pad;
        const kx0 = firstInside(x0);
        const kx1 = endInside(x0, pw, w);
        let best: T = <T>0;
        let bestIndex = -1;
        if (ky0 < ky1 && kx0 < kx1) {
          bestIndex = (y0 + ky0) * w + x0 + kx0;
          best = load<T>(at<T>(plane, bestIndex));
          for (let ky = ky0; ky < ky1; ky++) {
            const row = (y0 + ky) * w + x0;
            for (let kx = kx0; kx < kx1; kx++) {
              // Branch-free: on random data a branch here is mispredicted half the time.
              const v = load<T>(at<T>(plane, row + kx));
              const better = v > best;
              best = select<T>(v, best, better);
              bestIndex = select<i32>(row + kx, bestIndex, better);
            }
          }
          const clipped = ky1 - ky0 < ph || kx1 - kx0 < pw;
          if (clipped && <T>0 > best) {
            best = <T>0;
            bestIndex = -1;
          }
        }
        store<T>(at<T>(y, out + oy * ow + ox), best);
        store<i32>(at<i32>(argmax, out + oy * ow + ox), bestIndex);
      }
    }
  }
}

/** Input offsets of four neighbouring 2x2 windows' top-left corners (kept in memory: V8 rebuilds inline v128 constants). */
const PAIR_OFFSETS = memory.data<i32>([0, 2, 4, 6]);

/**
 * Outputs 0, 4, 8, ... of one output row of a 2x2 stride-2 unpadded f32 max pool, four at a time
 * (input rows y0 and y0 + 1); returns how many were done (the rest take the scalar path). The
 * same comparisons in the same window order as the scalar path, lane by lane, so the same bits.
 */
@inline function maxPool2x2Row(ow: i32, w: i32, plane: usize, y0: i32, y: usize, argmax: usize): i32 {
  const offsets = v128.load(PAIR_OFFSETS);
  let ox = 0;
  for (; ox + 4 <= ow; ox += 4) {
    const first = y0 * w + 2 * ox; // input index of output ox's top-left
    const top = at<f32>(plane, first);
    const bottom = at<f32>(plane, first + w);
    const t0 = v128.load(top);
    const t1 = v128.load(top, 16);
    const b0 = v128.load(bottom);
    const b1 = v128.load(bottom, 16);
    const index = i32x4.add(i32x4.splat(first), offsets);
    let best = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6);
    let bestIndex = index;
    // The other three window positions in window order: (0, 1), (1, 0), (1, 1).
    let v = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
    let better = f32x4.gt(v, best);
    best = v128.bitselect(v, best, better);
    bestIndex = v128.bitselect(i32x4.add(index, i32x4.splat(1)), bestIndex, better);
    v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
    better = f32x4.gt(v, best);
    best = v128.bitselect(v, best, better);
    bestIndex = v128.bitselect(i32x4.add(index, i32x4.splat(w)), bestIndex, better);
    v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
    better = f32x4.gt(v, best);
    best = v128.bitselect(v, best, better);
    bestIndex = v128.bitselect(i32x4.add(index, i32x4.splat(w + 1)), bestIndex, better);
    v128.store(at<f32>(y, ox), best);
    v128.store(at<i32>(argmax, ox), bestIndex);
  }
  return ox;
}

export function maxPoolForward_f32(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize, argmax: Ints): void {
  maxPoolForward<f32>(planes, h, w, ph, pw, stride, pad, x, y, argmax);
}
export function maxPoolForward_f64(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize, argmax: Ints): void {
  maxPoolForward<f64>(planes, h, w, ph, pw, stride, pad, x, y, argmax);
}

/**
 * dx (planes, h, w) = 0, then dx[p, argmax[p, o]] += dy[p, o] for every output o in order
 * (windows that overlap may pick the same input). dy and argmax are (planes, oh, ow).
 */
function maxPoolBackward<T>(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, dy: usize, argmax: Ints, dx: usize): void {
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

export function maxPoolBackward_f32(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, dy: usize, argmax: Ints, dx: usize): void {
  maxPoolBackward<f32>(planes, h, w, ph, pw, stride, pad, dy, argmax, dx);
}
export function maxPoolBackward_f64(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, dy: usize, argmax: Ints, dx: usize): void {
  maxPoolBackward<f64>(planes, h, w, ph, pw, stride, pad, dy, argmax, dx);
}

// ------------------------------------------------------------------------------ avg pool

/** y[p, oy, ox] = (sum of the window's inputs, rows then columns) / (ph * pw): padding counts as 0s. */
function avgPoolForward<T>(planes: i32, h: i32, w: i32, ph: i32, pw: i32, stride: i32, pad: i32, x: usize, y: usize): void {
  const oh = outSize(h, ph, stride, pad);
  const ow = outSize(w, pw, stride, pad);
  const count = <T>(ph * pw);
  for (let p = 0; p < planes; p++) {
    const plane = at<T>(x, p * h * w);
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * stride - pad;
      const ky1 = endInside(y0, ph, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * stride - pad;
        const kx0 = firstInside(x0);
        const kx1 = endInside(x0, pw, w);
        let sum: T = <T>0;
        for (let ky = firstInside(y0); ky < ky1; ky++) {
          const row = (y0 + ky) * w + x0;
          for (let kx = kx0; kx < kx1; kx++) sum += load<T>(at<T>(plane, row + kx));
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
      const y0 = oy * stride - pad;
      const ky1 = endInside(y0, ph, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * stride - pad;
        const kx0 = firstInside(x0);
        const kx1 = endInside(x0, pw, w);
        const share = load<T>(at<T>(dy, (p * oh + oy) * ow + ox)) / count;
        for (let ky = firstInside(y0); ky < ky1; ky++) {
          const row = (y0 + ky) * w + x0;
          for (let kx = kx0; kx < kx1; kx++) {
            const d = at<T>(plane, row + kx);
            store<T>(d, load<T>(d) + share);
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
