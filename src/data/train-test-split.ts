import { Rng } from '../random/rng.js';

/** Rows and targets split in two by `trainTestSplit`, both parts in one seeded random order. */
export interface TrainTestSplit<X, Y> {
  xTrain: X[];
  yTrain: Y[];
  xTest: X[];
  yTest: Y[];
}

/**
 * Splits samples and their targets into disjoint train and test parts by one seeded permutation
 * (scikit-learn's train_test_split): `testFraction` of them (rounded up) go to test.
 */
export function trainTestSplit<X, Y>(x: X[], y: Y[], options: { testFraction?: number; seed?: number } = {}): TrainTestSplit<X, Y> {
  const { testFraction = 0.2, seed = 0 } = options;
  if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) {
    throw new Error(`trainTestSplit: x and y must be arrays of one length, got ${Array.isArray(x) ? x.length : typeof x} and ${Array.isArray(y) ? y.length : typeof y}`);
  }
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`trainTestSplit: testFraction must be in (0, 1), got ${testFraction}`);
  const testCount = Math.ceil(testFraction * x.length);
  if (testCount >= x.length) throw new Error(`trainTestSplit: a test fraction of ${testFraction} of ${x.length} samples leaves none to train on`);
  const order = new Rng(seed).permutation(x.length);
  const trainIdx = order.subarray(0, x.length - testCount);
  const testIdx = order.subarray(x.length - testCount);
  return {
    xTrain: Array.from(trainIdx, (i) => x[i]),
    yTrain: Array.from(trainIdx, (i) => y[i]),
    xTest: Array.from(testIdx, (i) => x[i]),
    yTest: Array.from(testIdx, (i) => y[i]),
  };
}
