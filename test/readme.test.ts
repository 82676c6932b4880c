import { test, expect } from 'vitest';
import { readFileSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

const root = resolve(import.meta.dirname, '..');

/** The first ```js block of a README section ("## Usage"), exactly as written there. */
function jsBlock(heading = 'Usage'): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n## ${heading}\n`));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`README.md has no \`\`\`js block under ## ${heading}`);
  return match[1];
}

/** Run `code` as an .mjs file next to the installed package (with MNIST found); its stdout. */
function runAsInstalled(code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-readme-'));
  try {
    // "Installed": node_modules/scratchnet is the package itself, resolved through its exports map.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'scratchnet'), 'dir');
    writeFileSync(join(dir, 'block.mjs'), code);
    const shared = resolve(root, '..', 'shared', 'datasets', 'mnist');
    const env = { ...process.env };
    if (!env.SCRATCHNET_DATA && existsSync(shared)) env.SCRATCHNET_DATA = shared;
    return execFileSync(process.execPath, ['block.mjs'], { cwd: dir, env, encoding: 'utf8', timeout: 170_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the README's usage block runs as written from an .mjs file next to the installed package", () => {
  const out = runAsInstalled(jsBlock('Usage'));
  const accuracies = [...out.matchAll(/validation loss ([\d.]+), test accuracy ([\d.]+)/g)].map((m) => Number(m[2]));
  expect(accuracies).toHaveLength(3);
  expect(accuracies[2]).toBeGreaterThan(0.9);
  expect(out).toMatch(/^Affine\(784 -> 50\) +\(N, 50\) +39,250$/m);
});

test("the README's PyTorch block names every tensor of a default `scratchnet train` file, each with the shape its nn.Linear needs", async () => {
  const { createBackend, MultiLayerNet, netToSafetensors, decodeSafetensors } = await import('../src/index.js');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```python\n([\s\S]*?)```/.exec(readme)![1];
  expect(block.trim().split('\n')).toHaveLength(5);
  // nn.Sequential index -> (in, out) of each Linear, in order; ReLUs take the odd indices.
  const modules = [...block.matchAll(/torch\.nn\.(Linear\((\d+), (\d+)\)|ReLU\(\))/g)];
  const linears = new Map(modules.flatMap((m, i) => (m[2] ? [[i, [Number(m[2]), Number(m[3])]] as const] : [])));
  const backend = await createBackend({ threads: 1 });
  const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [256, 128], outputSize: 10, activation: 'relu' }, { backend, seed: 1 });
  const { tensors } = decodeSafetensors(netToSafetensors(net));
  const used = new Set<string>();
  for (const [, index, kind, name, transposed] of block.matchAll(/"(\d+)\.(weight|bias)": w\["(\w+)"\](\.T)?/g)) {
    const [inputs, outputs] = linears.get(Number(index))!;
    used.add(name);
    if (kind === 'weight') {
      expect(transposed).toBe('.T'); // our W is (in, out); nn.Linear.weight is (out, in)
      expect(tensors[name].shape).toEqual([inputs, outputs]);
    } else {
      expect(transposed).toBeUndefined();
      expect(tensors[name].shape).toEqual([outputs]);
    }
  }
  expect([...used].sort()).toEqual(Object.keys(tensors).sort());
  net.dispose();
  backend.dispose();
});

test("the README's autograd training loop runs as written and trains MNIST to at least 97%", () => {
  const code = jsBlock('Autograd');
  expect(code.trim().split('\n').length).toBeLessThanOrEqual(15);
  const out = runAsInstalled(code);
  const accuracies = [...out.matchAll(/test accuracy ([\d.]+)/g)].map((m) => Number(m[1]));
  expect(accuracies).toHaveLength(4);
  expect(accuracies[3]).toBeGreaterThanOrEqual(0.97);
}, 180_000);
