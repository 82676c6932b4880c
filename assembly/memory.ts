/** First byte past the module's static data: the TypeScript arena starts at or above it. */
export function heapBase(): usize {
  return __heap_base;
}
