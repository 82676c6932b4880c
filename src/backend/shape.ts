/** Shapes are lists of positive integer dimensions, row-major (checkShape refuses zero-size tensors). */
export type Shape = readonly number[];

export function formatShape(shape: Shape): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws unless every dimension is a positive integer (zero-size tensors have no use here). */
export function checkShape(shape: Shape, where: string): number[] {
  if (!Array.isArray(shape)) throw new Error(`${where}: shape must be an array of positive integers, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d <= 0) {
      throw new Error(`${where}: every dimension must be a positive integer, got shape [${shape.join(', ')}]`);
    }
  }
  return [...shape];
}

/** Resolve one -1 in a reshape target against a known element count. */
export function resolveShape(target: Shape, size: number, where: string): number[] {
  const unknown = target.filter((d) => d === -1).length;
  if (unknown > 1) throw new Error(`${where}: only one dimension can be -1, got [${target.join(', ')}]`);
  if (unknown === 1) {
    const known = shapeSize(target.filter((d) => d !== -1));
    if (known <= 0 || size % known !== 0) {
      throw new Error(`${where}: cannot reshape ${size} elements into [${target.join(', ')}]`);
    }
    target = target.map((d) => (d === -1 ? size / known : d));
  }
  const shape = checkShape(target, where);
  if (shapeSize(shape) !== size) {
    throw new Error(`${where}: cannot reshape ${size} elements into ${formatShape(shape)} (${shapeSize(shape)} elements)`);
  }
  return shape;
}
