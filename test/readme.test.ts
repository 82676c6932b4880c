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
