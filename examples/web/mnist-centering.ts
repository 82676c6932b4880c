/**
 * Turns a drawing into a 28x28 MNIST-like input the way MNIST's digits were made: the ink's
 * bounding box is scaled (aspect kept, pixels area-averaged) to fit a 20x20 box, and the box
 * is placed in the 28x28 field so that the ink's centre of mass falls on pixel (14, 14).
 */

export const FIELD = 28;
export const BOX = 20;

/**
 * `ink` is (height, width) row-major, each value in [0, 1] (0 = paper). Returns 784 values in
 * [0, 1], row-major (28, 28); all zeros when nothing is drawn.
 */
export function centerLikeMnist(ink: ArrayLike<number>, width: number, height: number): Float32Array {
  if (ink.length !== width * height) {
    throw new Error(`centerLikeMnist: ${ink.length} values for a ${width}x${height} drawing`);
  }
  const out = new Float32Array(FIELD * FIELD);
  const box = inkBox(ink, width, height);
  if (box === null) return out;

  const scale = BOX / Math.max(box.width, box.height);
  const boxWidth = Math.max(1, Math.round(box.width * scale));
  const boxHeight = Math.max(1, Math.round(box.height * scale));
  const small = resampleBox(ink, width, box, boxWidth, boxHeight);

  // Centre of mass of the scaled ink, in the box's pixel indices.
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < boxHeight; y++) {
    for (let x = 0; x < boxWidth; x++) {
      const v = small[y * boxWidth + x];
      mass += v;
      sumX += v * x;
      sumY += v * y;
    }
  }
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  const left = clamp(Math.round(FIELD / 2 - sumX / mass), FIELD - boxWidth);
  const top = clamp(Math.round(FIELD / 2 - sumY / mass), FIELD - boxHeight);
  for (let y = 0; y < boxHeight; y++) {
    for (let x = 0; x < boxWidth; x++) out[(top + y) * FIELD + left + x] = small[y * boxWidth + x];
  }
  return out;
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The smallest rectangle holding every pixel with ink, or null for a blank drawing. */
function inkBox(ink: ArrayLike<number>, width: number, height: number): Box | null {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        bottom = y;
      }
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * The part of `ink` inside `box`, shrunk (or grown) to (outHeight, outWidth): each output pixel is
 * the mean of the source area it covers, partly covered source pixels weighted by the overlap.
 */
function resampleBox(ink: ArrayLike<number>, width: number, box: Box, outWidth: number, outHeight: number): Float32Array {
  const columns = coverWeights(box.width, outWidth);
  const rows = coverWeights(box.height, outHeight);
  // Rows first: (box.height, outWidth), then columns: (outHeight, outWidth).
  const half = new Float64Array(box.height * outWidth);
  for (let y = 0; y < box.height; y++) {
    const src = (box.top + y) * width + box.left;
    for (const { from, to, weight } of columns) half[y * outWidth + to] += weight * ink[src + from];
  }
  const out = new Float32Array(outHeight * outWidth);
  for (const { from, to, weight } of rows) {
    for (let x = 0; x < outWidth; x++) out[to * outWidth + x] += weight * half[from * outWidth + x];
  }
  return out;
}

/**
 * Area weights mapping n source pixels onto m output pixels: output j covers source span
 * [j n/m, (j+1) n/m), and each overlapping source pixel i adds overlap / (n/m) of its value.
 */
function coverWeights(n: number, m: number): { from: number; to: number; weight: number }[] {
  const span = n / m;
  const weights: { from: number; to: number; weight: number }[] = [];
  for (let j = 0; j < m; j++) {
    const start = j * span;
    const end = start + span;
    for (let i = Math.floor(start); i < Math.min(n, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 1e-12) weights.push({ from: i, to: j, weight: overlap / span });
    }
  }
  return weights;
}
