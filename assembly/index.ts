export function heapBase(): usize { return __heap_base; }
export function scale_f32(n: i32, x: usize, a: f32): void {
  for (let i = 0; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * a);
}
