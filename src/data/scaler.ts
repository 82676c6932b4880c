/**
 * Feature scaling fitted on training rows and applied, unchanged, to any rows (validation, test,
 * new samples), so no statistic of held-out data leaks into training. Plain arrays in and out.
 */
export interface Scaler {
  /** Per column: the value subtracted, and the divisor. */
  readonly offset: number[];
  readonly scale: number[];
  /** (row - offset) / scale, column by column; throws naming the row if its length differs. */
  apply(rows: number[][]): number[][];
}

/** Zero mean and unit (population) standard deviation per column; a constant column is only centered. */
export function standardize(rows: number[][]): Scaler {
  const width = checkRows('standardize', rows);
  const mean = new Array<number>(width).fill(0);
  for (const row of rows) row.forEach((v, c) => (mean[c] += v));
  mean.forEach((_, c) => (mean[c] /= rows.length));
  const variance = new Array<number>(width).fill(0);
  for (const row of rows) row.forEach((v, c) => (variance[c] += (v - mean[c]) * (v - mean[c])));
  const std = variance.map((v) => Math.sqrt(v / rows.length));
  return scaler('standardize', mean, std.map((s) => (s > 0 ? s : 1)));
}

/** Each column mapped onto [0, 1] by the training rows' min and max; a constant column goes to 0. */
export function minMaxScale(rows: number[][]): Scaler {
  const width = checkRows('minMaxScale', rows);
  const min = new Array<number>(width).fill(Infinity);
  const max = new Array<number>(width).fill(-Infinity);
  for (const row of rows) {
    row.forEach((v, c) => {
      min[c] = Math.min(min[c], v);
      max[c] = Math.max(max[c], v);
    });
  }
  return scaler('minMaxScale', min, max.map((m, c) => (m > min[c] ? m - min[c] : 1)));
}

function scaler(who: string, offset: number[], scale: number[]): Scaler {
  return {
    offset,
    scale,
    apply(rows: number[][]): number[][] {
      return rows.map((row, r) => {
        if (!Array.isArray(row) || row.length !== offset.length) {
          throw new Error(`${who}: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values; the scaler was fitted on ${offset.length} columns`);
        }
        return row.map((v, c) => (v - offset[c]) / scale[c]);
      });
    },
  };
}

/** The common row length; throws naming the first ragged row or bad value. */
function checkRows(who: string, rows: number[][]): number {
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0]) || rows[0].length === 0) {
    throw new Error(`${who}: needs a non-empty array of rows (number[][])`);
  }
  const width = rows[0].length;
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== width) throw new Error(`${who}: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values, row 0 has ${width}`);
    row.forEach((v, c) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${who}: row ${r} column ${c} is ${typeof v === 'number' ? v : JSON.stringify(v)}, not a finite number`);
    });
  });
  return width;
}
