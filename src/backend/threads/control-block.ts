/**
 * The control block: a SharedArrayBuffer through which the calling thread hands kernel calls to
 * the workers and learns when they are done, with no message per call.
 *
 * Byte layout (slot w belongs to worker w, w = 1 .. threads-1; slot 0 is unused):
 *   0                 int32 done: how many workers finished the current call (the caller waits on it)
 *   w*SLOT_BYTES + 0  int32 generation: bumped by the caller to hand worker w a call (it waits on it)
 *              + 4    int32 kernel: index into the kernel name table, or EXIT_KERNEL to end the worker
 *              + 8    int32 argument count
 *              + 12   int32 status: 0 ok, 1 the kernel threw (message below)
 *              + 16   int32 message length in bytes
 *              + 20   int32 claim: 0 posted, 1 taken by the worker, 2 taken back by the caller
 *              + 64   float64 x MAX_ARGS: the arguments (every wasm argument here is a number)
 *              + 192  the error message, UTF-8, at most MESSAGE_BYTES
 * The done counter and each slot start on their own 64-byte cache line, so the threads
 * polling them do not slow each other down.
 *
 * A call is run by whoever claims it first (compare-and-swap on `claim`): its worker, or the
 * caller once its own share is done. A worker that is asleep or has no core at that moment
 * then costs nothing more than running the call on one thread.
 */
export interface ControlLayout {
  slotBytes: number;
  doneIndex: number;
  generation: number;
  kernel: number;
  argCount: number;
  status: number;
  messageLength: number;
  claim: number;
  args: number;
  message: number;
  messageBytes: number;
  maxArgs: number;
  exitKernel: number;
}

export const CONTROL_LAYOUT: ControlLayout = {
  slotBytes: 512,
  doneIndex: 0,
  generation: 0,
  kernel: 4,
  argCount: 8,
  status: 12,
  messageLength: 16,
  claim: 20,
  args: 64,
  message: 192,
  messageBytes: 320,
  maxArgs: 16,
  exitKernel: -1,
};

/** Bytes of the control block for a pool of `threads` (the caller plus threads-1 workers). */
export function controlBytes(threads: number): number {
  return threads * CONTROL_LAYOUT.slotBytes;
}
