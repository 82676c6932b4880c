// Writes src/backend/threads/kernel-signatures.ts: every wasm export's parameter types, read
// from the AssemblyScript source, so the TypeScript side derives how a threaded call moves each
// argument from the kernel's own signature instead of a second copy of it.
//   node scripts/kernel-signatures.mjs          (npm run build does it before tsc)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
export const OUTPUT = 'src/backend/threads/kernel-signatures.ts';

/** { exportName: [paramType, ...] } for every function assembly/index.ts re-exports. */
export function readSignatures(assemblyDir = new URL('assembly/', root)) {
  const index = readFileSync(new URL('index.ts', assemblyDir), 'utf8');
  const files = [...index.matchAll(/^export \* from '\.\/([\w-]+)';$/gm)].map((m) => m[1]);
  const signatures = {};
  for (const file of files) {
    const source = readFileSync(new URL(`${file}.ts`, assemblyDir), 'utf8');
    // Generic functions (name<T>) are inlined helpers, never exports of the module.
    for (const [, name, params] of source.matchAll(/^export function (\w+)\(([^)]*)\)/gm)) {
      if (name in signatures) throw new Error(`assembly/${file}.ts: ${name} is exported twice`);
      signatures[name] = params
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
        .map((p) => {
          const typed = /^\w+\s*:\s*(\w+)$/.exec(p);
          if (typed === null) throw new Error(`assembly/${file}.ts: cannot read parameter "${p}" of ${name}`);
          return typed[1];
        });
    }
  }
  return signatures;
}

/** The TypeScript module holding `signatures`. */
export function signaturesModule(signatures) {
  const lines = Object.keys(signatures)
    .sort()
    .map((name) => `  ${name}: [${signatures[name].map((t) => `'${t}'`).join(', ')}],`);
  return (
    '// Made by scripts/kernel-signatures.mjs from assembly/ (npm run build): do not edit.\n' +
    "// Each wasm export's parameter types as its source writes them; Bytes, RowInts and Whole are\n" +
    "// assembly/pointers.ts's names for pointers.\n" +
    'export const KERNEL_SIGNATURES: Readonly<Record<string, readonly string[]>> = {\n' +
    `${lines.join('\n')}\n};\n`
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL(OUTPUT, root), signaturesModule(readSignatures()));
}
