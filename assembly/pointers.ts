// Names for the pointer parameters of the kernels that run split over threads. Each thread's
// share of a call moves every pointer by what it points at, and the TypeScript side reads that
// from these signatures (src/backend/threads/kernel-signatures.ts, made by the build). A plain
// `usize` in such a signature is an array of T, one per element or one row per row.

/** A uint8 array, one byte per element: a dropout mask, pixels. */
export type Bytes = usize;
/** An int32 array, one int per row: labels, gather indices. */
export type RowInts = usize;
/** An int32 array split by items with the floats (a pooling plane's argmax): moves per item as they do. */
export type Ints = usize;
/** A float64 array, one value per row whatever T is: a row's loss. */
export type RowDoubles = usize;
/** An array every share reads whole: the bias row of addBias, the table a gather reads from. */
export type Whole = usize;
