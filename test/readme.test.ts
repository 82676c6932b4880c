import { test, expect } from 'vitest';
import { readFileSync, readdirSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

/** The markdown a reader follows links through: the README, the guide pages, the examples' index. */
function markdownPages(): string[] {
  const guides = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
  return ['README.md', ...guides, 'examples/README.md'];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Link targets in a markdown text, outside fenced blocks and inline code. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

test('every relative link in README.md, docs/*.md and examples/README.md points at a file (and heading) that exists', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const page of markdownPages()) {
    for (const target of linkTargets(readFileSync(join(root, page), 'utf8'))) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      checked++;
      const [path, anchor] = target.split('#');
      const file = path === '' ? join(root, page) : resolve(root, dirname(page), path);
      if (!existsSync(file)) {
        broken.push(`${page}: ${target} (no such file)`);
      } else if (anchor !== undefined && file.endsWith('.md')) {
        const headings = [...readFileSync(file, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingAnchor(m[1]));
        if (!headings.includes(anchor)) broken.push(`${page}: ${target} (no such heading)`);
      }
    }
  }
  expect(broken).toEqual([]);
  expect(checked).toBeGreaterThan(20);
});

test("the README's documentation list links every guide page under docs/", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Documentation\n'));
  const linked = new Set(linkTargets(section));
  const guides = markdownPages().filter((page) => page.startsWith('docs/'));
  expect(guides.length).toBeGreaterThan(0);
  expect(guides.filter((page) => !linked.has(page))).toEqual([]);
});
