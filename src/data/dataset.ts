// Plain data in, data sets out: `dataset.fromArrays`, `dataset.parseCsv`, ... (the `dataset` namespace of the package).
export { fromArrays } from './from-arrays.js';
export { oneHot } from './one-hot.js';
export { standardize, minMaxScale } from './scaler.js';
export type { Scaler } from './scaler.js';
export { trainTestSplit } from './train-test-split.js';
export type { TrainTestSplit } from './train-test-split.js';
export { parseCsv } from './csv.js';
export type { CsvData, CsvOptions } from './csv.js';
