import type { Shape } from '../backend/shape.js';
import type { Tensor } from '../backend/tensor.js';
import { ITEM_SIZE } from '../backend/dtype.js';
import type { Sequential } from './sequential.js';
import { sampleShapeOf } from './input-shape.js';

/**
 * A Keras-like table of the net: each layer with its output shape (N = batch) and param count,
 * then the totals and the bytes the params take in float32 and float64. The output shapes come
 * from one forward pass of a zero sample in eval mode; `sampleShape` is one input sample's shape,
 * needed only when the first layer does not fix it (a conv layer).
 */
export function netSummary(net: Sequential, sampleShape?: Shape): string {
  const shape = sampleShape ?? sampleShapeOf(net);
  if (shape === null) throw new Error('summary: the first layer does not fix the input shape; give one sample\'s shape, e.g. summary([1, 28, 28])');
  const x = net.backend.zeros([1, ...shape], net.dtype);
  const rows: string[][] = [['Layer', 'Output shape', 'Params']];
  try {
    net.inEvalMode(() => {
      let h: Tensor = x;
      for (const layer of net.layers) {
        try {
          h = layer.forward(h);
        } catch (err) {
          throw new Error(`summary: ${layer.label} does not take ${batchShape(h.shape)}: ${(err as Error).message}`, { cause: err });
        }
        const count = layer.params.reduce((n, p) => n + p.size, 0);
        rows.push([layer.label, batchShape(h.shape), count.toLocaleString('en-US')]);
      }
      rows.push([net.lossLayer.label, '', '0']);
    });
  } finally {
    x.dispose();
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('   ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 6);
  const total = net.paramCount;
  const bytes = (dtype: 'float32' | 'float64') => `${(total * ITEM_SIZE[dtype]).toLocaleString('en-US')} bytes in ${dtype}`;
  const other = net.dtype === 'float32' ? 'float64' : 'float32';
  return [
    `Input: ${batchShape([1, ...shape])} ${net.dtype}`,
    rule,
    line(rows[0]),
    rule,
    ...rows.slice(1).map(line),
    rule,
    `Total params: ${total.toLocaleString('en-US')} (${bytes(net.dtype)}; ${bytes(other)})`,
  ].join('\n');
}

/** "(N, 100)" for a shape whose first dimension is the batch. */
function batchShape(shape: Shape): string {
  return `(${['N', ...shape.slice(1)].join(', ')})`;
}
