// The command line shared by the raw kernel scripts (gemm-raw.mjs, conv-raw.mjs):
// `--name value` options, then the .wasm builds to compare (default: this checkout's build).
import { fileURLToPath } from 'node:url';

/** Reads `--name value` options off argv; what remains (after every option was taken) are the builds. */
export function rawArgs(argv = process.argv.slice(2)) {
  const args = [...argv];
  return {
    option(name, fallback) {
      const i = args.indexOf(name);
      if (i < 0) return fallback;
      const value = args[i + 1];
      args.splice(i, 2);
      return value;
    },
    /** The .wasm files named after the options, or build/scratchnet.wasm; each with a column name when there are several. */
    builds() {
      const paths = args.length ? args : [fileURLToPath(new URL('../build/scratchnet.wasm', import.meta.url))];
      return paths.map((path, index) => ({ path, name: paths.length > 1 ? `#${index + 1}` : '' }));
    },
  };
}
