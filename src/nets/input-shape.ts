import type { Shape } from '../backend/shape.js';
import type { Sequential } from './sequential.js';

/**
 * The shape of one input sample: the net's own `inputShape` when it was given one (the conv nets
 * record theirs), else read off the first layer with params when it is a matrix layer (Affine,
 * MatMul: W is (in, out), so a sample is (in,)). Null when neither tells (a conv layer's weights
 * do not fix the image size): the caller must then be told the shape.
 */
export function sampleShapeOf(net: Sequential): Shape | null {
  if (net.inputShape !== null) return net.inputShape;
  const first = net.layers.find((l) => l.params.length > 0);
  const w = first?.params[0];
  return w !== undefined && w.rank === 2 ? [w.shape[0]] : null;
}
