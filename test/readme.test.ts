import { test, expect } from 'vitest';
import { readFileSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

const root = resolve(import.meta.dirname, '..');

/** The first ```js block of the README's "## Usage" section, exactly as written there. */
function usageBlock(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Usage'));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README.md has no ```js block under ## Usage');
  return match[1];
}

test("the README's usage block runs as written from an .mjs file next to the installed package", () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-readme-'));
  try {
    // "Installed": node_modules/scratchnet is the package itself, resolved through its exports map.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'scratchnet'), 'dir');
    writeFileSync(join(dir, 'usage.mjs'), usageBlock());
    const shared = resolve(root, '..', 'shared', 'datasets', 'mnist');
    const env = { ...process.env };
    if (!env.SCRATCHNET_DATA && existsSync(shared)) env.SCRATCHNET_DATA = shared;
    const out = execFileSync(process.execPath, ['usage.mjs'], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
    const accuracies = [...out.matchAll(/validation loss ([\d.]+), test accuracy ([\d.]+)/g)].map((m) => Number(m[2]));
    expect(accuracies).toHaveLength(3);
    expect(accuracies[2]).toBeGreaterThan(0.9);
    expect(out).toMatch(/^Affine\(784 -> 50\) +\(N, 50\) +39,250$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
