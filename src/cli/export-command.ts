/**
 * `scratchnet export --model FILE --onnx FILE`: a net saved as safetensors, rewritten as an ONNX
 * model for inference (io/onnx.ts says what the model holds). Written atomically, like saveNet.
 */
import { parseArgs } from 'node:util';
import { createBackend } from '../backend/load-node.js';
import type { FloatDType } from '../backend/dtype.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { netFromSafetensors } from '../io/net-file.js';
import { readFileBytes } from '../io/net-file-node.js';
import { exportOnnx } from '../io/onnx.js';
import type { CommandOutput } from './train-command.js';
import { UsageError, asUsageError } from './usage-error.js';

export interface ExportSettings {
  model: string;
  onnx: string;
  dtype: FloatDType;
  /** One sample's shape, or undefined for the net's own input width. */
  inputShape: number[] | undefined;
}

export const EXPORT_HELP = `Usage: scratchnet export --model FILE --onnx FILE [options]

Writes a net saved by \`scratchnet train --save FILE\` as an ONNX model (opset 17) for
inference: input "input" (N, ...), outputs "scores" (what the net predicts) and, for a
softmax or sigmoid loss, "probabilities".

Options:
  --model FILE        the saved net (safetensors)
  --onnx FILE         the ONNX file to write
  --dtype TYPE        float32 or float64, the model's element type (default: float32)
  --input-shape DIMS  one sample's shape, e.g. 1,28,28 (default: the one the net recorded,
                      as conv nets do, else the first layer's width)
  -h, --help          show this help
`;

/** Settings from `scratchnet export`'s arguments, or null when --help was asked for. */
export function parseExportArgs(args: string[]): ExportSettings | null {
  const { values } = asUsageError(() =>
    parseArgs({
      args,
      options: {
        model: { type: 'string' },
        onnx: { type: 'string' },
        dtype: { type: 'string' },
        'input-shape': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }),
  );
  if (values.help) return null;
  if (!values.model) throw new UsageError('export needs --model FILE (a net saved by scratchnet train --save FILE)');
  if (!values.onnx) throw new UsageError('export needs --onnx FILE, the model to write');
  const dtype = values.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new UsageError(`--dtype must be float32 or float64, got '${dtype}'`);
  const shapeText = values['input-shape'];
  let inputShape: number[] | undefined;
  if (shapeText !== undefined) {
    inputShape = shapeText.split(',').map(Number);
    if (!inputShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new UsageError(`--input-shape must be positive integers separated by commas, got '${shapeText}'`);
    }
  }
  return { model: values.model, onnx: values.onnx, dtype, inputShape };
}

export async function runExport(settings: ExportSettings, out: CommandOutput): Promise<void> {
  const bytes = await readFileBytes(settings.model);
  const backend = await createBackend({ threads: 1 });
  try {
    const net = netFromSafetensors(bytes, { backend }, settings.model);
    const model = exportOnnx(net, { dtype: settings.dtype, inputShape: settings.inputShape });
    await writeFileAtomic(settings.onnx, model);
    out.stdout.write(`wrote ${settings.onnx} (${model.length} bytes, ${settings.dtype}, ${net.layers.map((l) => l.label).join(' ')})\n`);
  } finally {
    backend.dispose();
  }
}
