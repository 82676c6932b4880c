/**
 * A confusion matrix: counts[true][predicted], and the table `scratchnet eval` prints
 * (`confusionMatrix` in metrics.ts fills one from a net and a data set).
 */
import type { Tensor } from '../backend/tensor.js';

/** Counts of (true class, predicted class) pairs (`confusionMatrix(net, data)`); `format()` gives them as a table with each class's recall. */
export class ConfusionMatrix {
  /** counts[t][p]: samples of class t predicted as p. */
  readonly counts: number[][];

  constructor(readonly classes: number) {
    this.counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }

  /** Adds a batch: labels and predictions are int32 (N,). */
  add(labels: Tensor, predictions: Tensor): void {
    const t = labels.data as Int32Array;
    const p = predictions.data as Int32Array;
    if (t.length !== p.length) throw new Error(`ConfusionMatrix.add: ${t.length} labels but ${p.length} predictions`);
    for (let i = 0; i < t.length; i++) {
      if (!(t[i] >= 0 && t[i] < this.classes && p[i] >= 0 && p[i] < this.classes)) {
        throw new Error(`ConfusionMatrix.add: label ${t[i]} / prediction ${p[i]} at ${i} is outside 0..${this.classes - 1}`);
      }
      this.counts[t[i]][p[i]]++;
    }
  }

  get total(): number {
    return this.counts.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  }

  get accuracy(): number {
    return this.counts.reduce((s, row, i) => s + row[i], 0) / this.total;
  }

  /** Rows are true classes, columns predictions, plus each class's recall. */
  format(): string {
    const width = Math.max(5, String(Math.max(...this.counts.flat())).length + 1);
    const cell = (v: string | number) => String(v).padStart(width);
    const lines = [`${'true\\pred'.padEnd(9)}${this.counts.map((_, j) => cell(j)).join('')}  recall`];
    this.counts.forEach((row, i) => {
      const n = row.reduce((a, b) => a + b, 0);
      const recall = n > 0 ? `${((row[i] / n) * 100).toFixed(1)}%` : '-';
      lines.push(`${String(i).padEnd(9)}${row.map(cell).join('')}  ${recall.padStart(6)}`);
    });
    return lines.join('\n');
  }
}
