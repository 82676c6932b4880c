/** Class labels as one-hot rows: oneHot([0, 2], 3) = [[1, 0, 0], [0, 0, 1]]. `classes` defaults to the largest label + 1. */
export function oneHot(labels: ArrayLike<number>, classes?: number): number[][] {
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0) throw new Error(`oneHot: labels[${i}] must be an integer >= 0, got ${label}`);
    max = Math.max(max, label);
  }
  const width = classes ?? max + 1;
  if (!Number.isInteger(width) || width <= 0) throw new Error(`oneHot: classes must be a positive integer, got ${width}`);
  if (max >= width) throw new Error(`oneHot: label ${max} does not fit ${width} classes`);
  return Array.from(labels, (label) => {
    const row = new Array<number>(width).fill(0);
    row[label] = 1;
    return row;
  });
}
