/**
 * The arena: hands out regions of the backend's one WebAssembly memory.
 *
 * Kernels never allocate; every tensor, packing buffer and optimizer state is
 * a region carved out here. Regions are 64-byte aligned (a cache line; SIMD
 * loads only need 16) and rounded up to 64 bytes, so a kernel that reads a
 * whole last vector never touches another tensor's first byte.
 *
 * Free regions sit in a list sorted by address and are merged with their
 * neighbours when returned, so a training loop that disposes and re-makes
 * buffers of one size reuses the same bytes. When nothing fits, the memory
 * grows (and every typed-array view over the old buffer is detached: that is
 * why Tensor re-derives its views).
 */
export const ALIGN = 64;
const PAGE = 65536;

interface FreeBlock {
  ptr: number;
  size: number;
}

export class Arena {
  /** Free blocks, sorted by ptr, never adjacent (merged on free). */
  private free: FreeBlock[] = [];
  /** Sizes of live regions by their pointer. */
  private live = new Map<number, number>();
  /** First byte never handed out yet. */
  private top: number;

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
    readonly maxPages: number,
  ) {
    this.top = alignUp(Math.max(base, ALIGN), ALIGN);
  }

  /** Bytes handed out and not yet returned. */
  get liveBytes(): number {
    let total = 0;
    for (const size of this.live.values()) total += size;
    return total;
  }

  get liveRegions(): number {
    return this.live.size;
  }

  /** Reserve `bytes` (> 0) and return the region's byte address. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes <= 0) {
      throw new Error(`alloc: size must be a positive integer number of bytes, got ${bytes}`);
    }
    const size = alignUp(bytes, ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block.size < size) continue;
      const ptr = block.ptr;
      if (block.size === size) this.free.splice(i, 1);
      else {
        block.ptr += size;
        block.size -= size;
      }
      this.live.set(ptr, size);
      return ptr;
    }
    // Nothing free fits: take from the top. If the last free block touches
    // the top, extend it instead of leaving it behind.
    let ptr = this.top;
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.size === this.top) {
      ptr = last.ptr;
      this.free.pop();
    }
    this.ensure(ptr + size);
    this.top = ptr + size;
    this.live.set(ptr, size);
    return ptr;
  }

  /** Return a region. Freeing an unknown pointer is a bug in the caller. */
  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`release: ${ptr} is not a live region`);
    this.live.delete(ptr);
    // Insert sorted, then merge with the neighbours.
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid].ptr < ptr) lo = mid + 1;
      else hi = mid;
    }
    this.free.splice(lo, 0, { ptr, size });
    const next = this.free[lo + 1];
    if (next && ptr + size === next.ptr) {
      this.free[lo].size += next.size;
      this.free.splice(lo + 1, 1);
    }
    const prev = this.free[lo - 1];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += this.free[lo].size;
      this.free.splice(lo, 1);
    }
    // A free block at the very top goes back to the top.
    const tail = this.free[this.free.length - 1];
    if (tail && tail.ptr + tail.size === this.top) {
      this.top = tail.ptr;
      this.free.pop();
    }
  }

  /** Grow the memory so that byte `end - 1` exists. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE;
    const needPages = Math.ceil(end / PAGE);
    if (needPages > this.maxPages) {
      throw new Error(
        `out of memory: need ${(end / 2 ** 20).toFixed(1)} MiB of wasm memory, the maximum is ` +
          `${((this.maxPages * PAGE) / 2 ** 20).toFixed(0)} MiB (dispose tensors you no longer need)`,
      );
    }
    // Grow geometrically (at least +25%) so many small allocations do not grow one page at a time.
    const pages = Math.min(this.maxPages, Math.max(needPages, Math.ceil(havePages * 1.25))) - havePages;
    this.memory.grow(pages);
  }
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
