// Moving and adding numbers along one axis: what broadcasting, reductions along an axis,
// transposes and the adjoint of a row gather need. A tensor viewed as (outer, len, inner) has
// its axis of interest in the middle; each kernel names that view. Scalar loops: these are
// data movement (or one add per element), in plain index order, so the result never depends
// on a vector width.
import { at } from './lanes';

/** x is (outer, len, inner), y is (outer, inner): y[o, i] = sum over l (in order) of x[o, l, i]. */
function sumAxis<T>(outer: i32, len: i32, inner: i32, x: usize, y: usize): void {
  for (let o = 0; o < outer; o++) {
    const yRow = at<T>(y, o * inner);
    for (let i = 0; i < inner; i++) store<T>(at<T>(yRow, i), load<T>(at<T>(x, o * len * inner + i)));
    for (let l = 1; l < len; l++) {
      const xRow = at<T>(x, (o * len + l) * inner);
      for (let i = 0; i < inner; i++) {
        store<T>(at<T>(yRow, i), load<T>(at<T>(yRow, i)) + load<T>(at<T>(xRow, i)));
      }
    }
  }
}

export function sumAxis_f32(outer: i32, len: i32, inner: i32, x: usize, y: usize): void { sumAxis<f32>(outer, len, inner, x, y); }
export function sumAxis_f64(outer: i32, len: i32, inner: i32, x: usize, y: usize): void { sumAxis<f64>(outer, len, inner, x, y); }

/** x is (outer, inner), y is (outer, len, inner): y[o, l, i] = x[o, i] (broadcast along the middle axis). */
function repeatAxis<T>(outer: i32, len: i32, inner: i32, x: usize, y: usize): void {
  const rowBytes = <usize>inner << alignof<T>();
  for (let o = 0; o < outer; o++) {
    for (let l = 0; l < len; l++) memory.copy(at<T>(y, (o * len + l) * inner), at<T>(x, o * inner), rowBytes);
  }
}

export function repeatAxis_f32(outer: i32, len: i32, inner: i32, x: usize, y: usize): void { repeatAxis<f32>(outer, len, inner, x, y); }
export function repeatAxis_f64(outer: i32, len: i32, inner: i32, x: usize, y: usize): void { repeatAxis<f64>(outer, len, inner, x, y); }

/** x is (batch, rows, cols), y is (batch, cols, rows): y[b, c, r] = x[b, r, c]. */
function transpose<T>(batch: i32, rows: i32, cols: i32, x: usize, y: usize): void {
  for (let b = 0; b < batch; b++) {
    const xm = at<T>(x, b * rows * cols);
    const ym = at<T>(y, b * rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) store<T>(at<T>(ym, c * rows + r), load<T>(at<T>(xm, r * cols + c)));
    }
  }
}

export function transpose_f32(batch: i32, rows: i32, cols: i32, x: usize, y: usize): void { transpose<f32>(batch, rows, cols, x, y); }
export function transpose_f64(batch: i32, rows: i32, cols: i32, x: usize, y: usize): void { transpose<f64>(batch, rows, cols, x, y); }

/**
 * src is (rows, cols), idx is i32 (rows,), dst is (any, cols): dst[idx[r], :] += src[r, :], rows in
 * order (the adjoint of gatherRows: a row picked twice gets both gradients, first one first).
 */
function scatterAddRows<T>(rows: i32, cols: i32, src: usize, idx: usize, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    const d = at<T>(dst, load<i32>(at<i32>(idx, r)) * cols);
    const s = at<T>(src, r * cols);
    for (let c = 0; c < cols; c++) store<T>(at<T>(d, c), load<T>(at<T>(d, c)) + load<T>(at<T>(s, c)));
  }
}

export function scatterAddRows_f32(rows: i32, cols: i32, src: usize, idx: usize, dst: usize): void {
  scatterAddRows<f32>(rows, cols, src, idx, dst);
}
export function scatterAddRows_f64(rows: i32, cols: i32, src: usize, idx: usize, dst: usize): void {
  scatterAddRows<f64>(rows, cols, src, idx, dst);
}
