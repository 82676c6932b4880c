import { Rng } from '../random/rng.js';
import { cos, sin } from '../math/index.js';

/** Options of spiral(). */
export interface SpiralOptions {
  /** Points in each arm (default 100). */
  pointsPerClass?: number;
  /** Number of arms, one class each (default 3). */
  classes?: number;
  /** Seed of the noise (default 1984, the book's). */
  seed?: number;
}

/** A spiral data set of N = pointsPerClass * classes points. */
export interface SpiralData {
  /** Points (N, 2), row-major: x[2n] and x[2n + 1] are point n's coordinates. */
  x: Float64Array;
  /** One-hot targets (N, classes). */
  t: Float64Array;
  /** Class of each point (N). */
  labels: Int32Array;
  /** N. */
  count: number;
  /** Number of classes. */
  classes: number;
}

/**
 * The spiral of book 2 (dataset/spiral.py): `classes` arms winding out from
 * the origin, a toy problem no straight line can split. Point i of arm j has
 *   radius r = i / pointsPerClass,  theta = 4j + 4r + 0.2 * noise,
 *   position (r sin theta, r cos theta),
 * with noise standard normal from Rng(seed). Points come arm by arm, so
 * point n = j * pointsPerClass + i has label j; every radius is below 1.
 */
export function spiral({ pointsPerClass = 100, classes = 3, seed = 1984 }: SpiralOptions = {}): SpiralData {
  if (!Number.isInteger(pointsPerClass) || pointsPerClass < 1) {
    throw new Error(`spiral: pointsPerClass must be an integer >= 1, got ${String(pointsPerClass)}`);
  }
  if (!Number.isInteger(classes) || classes < 1) {
    throw new Error(`spiral: classes must be an integer >= 1, got ${String(classes)}`);
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new Error(`spiral: seed must be a finite number, got ${String(seed)}`);
  }
  const count = pointsPerClass * classes;
  const x = new Float64Array(count * 2);
  const t = new Float64Array(count * classes);
  const labels = new Int32Array(count);
  const rng = new Rng(seed);
  for (let j = 0; j < classes; j++) {
    for (let i = 0; i < pointsPerClass; i++) {
      const radius = i / pointsPerClass;
      const theta = j * 4 + 4 * radius + rng.normal() * 0.2;
      const n = j * pointsPerClass + i;
      x[2 * n] = radius * sin(theta);
      x[2 * n + 1] = radius * cos(theta);
      t[n * classes + j] = 1;
      labels[n] = j;
    }
  }
  return { x, t, labels, count, classes };
}
