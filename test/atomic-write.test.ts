import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAtomicFile, writeFileAtomic } from '../src/io/atomic-write.js';
import { createBackend, netToSafetensors, saveNet, TwoLayerNet } from '../src/index.js';
import type { Backend } from '../src/index.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
// The temporary-name format, written out here: <target>.<host tag>.<pid>.<12 hex>.tmp.
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const OTHER_HOST = HOST === 'ffffffff' ? '00000000' : 'ffffffff';
const tempName = (target: string, host: string, pid: number) => `${target}.${host}.${pid}.0123456789ab.tmp`;

let root: string;
let backend: Backend;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'scratchnet-atomic-'));
  backend = await createBackend({ dtype: 'float32', seed: 1 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let folders = 0;
async function freshFolder(): Promise<string> {
  const dir = join(root, `case-${folders++}`);
  await mkdir(dir);
  return dir;
}

/** The pid of a process that has exited (as a writer killed earlier would have). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.on('exit', done));
  return child.pid!;
}

describe('writeFileAtomic', () => {
  it('writes or replaces a file and leaves no temporary file', async () => {
    const dir = await freshFolder();
    const path = join(dir, 'model.safetensors');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    await writeFileAtomic(path, new Uint8Array([4, 5]));
    expect(Array.from(await readFile(path))).toEqual([4, 5]);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('removes the temporary file when the rename fails, leaving the target untouched', async () => {
    const dir = await freshFolder();
    const target = join(dir, 'occupied');
    await mkdir(target);
    await writeFile(join(target, 'keep'), 'x');
    await expect(writeFileAtomic(target, new Uint8Array([1]))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(await readdir(dir)).toEqual(['occupied']);
    expect(await readdir(target)).toEqual(['keep']);
  });

  it("removes only its own target's temporaries whose writer on this host is gone, or that nobody wrote to for a day", async () => {
    const dir = await freshFolder();
    const dead = await deadPid();
    const stale = tempName('net.safetensors', HOST, dead);
    const kept = [
      tempName('net.safetensors', HOST, process.pid), // a live writer: this process
      tempName('net.safetensors', OTHER_HOST, dead), // another machine's writer: its pid means nothing here
      tempName('other.safetensors', HOST, dead), // another target's
      'net.safetensors.0123456789ab.tmp', // not the library's pattern
      'net.safetensors.bak',
    ];
    for (const name of [stale, ...kept]) await writeFile(join(dir, name), 'partial');
    // Another host's writer, silent for two days: stale whatever its pid.
    const abandoned = tempName('net.safetensors', OTHER_HOST, process.pid);
    await writeFile(join(dir, abandoned), 'partial');
    const twoDaysAgo = (Date.now() - 48 * 3600 * 1000) / 1000;
    await utimes(join(dir, abandoned), twoDaysAgo, twoDaysAgo);
    await writeFileAtomic(join(dir, 'net.safetensors'), new Uint8Array([9, 8, 7]));
    expect((await readdir(dir)).sort()).toEqual(['net.safetensors', ...kept].sort());
    expect(Array.from(await readFile(join(dir, 'net.safetensors')))).toEqual([9, 8, 7]);
  });

  it('two writes to one path in one process both finish; neither removes the other', async () => {
    const dir = await freshFolder();
    const path = join(dir, 'net.safetensors');
    const slow = await openAtomicFile(path);
    await slow.write(new Uint8Array([1, 1]));
    await writeFileAtomic(path, new Uint8Array([2, 2, 2])); // finishes while `slow` is still writing
    expect((await stat(slow.tempPath)).size).toBe(2);
    await slow.write(new Uint8Array([1]));
    await slow.commit();
    expect(Array.from(await readFile(path))).toEqual([1, 1, 1]);
    const all = await Promise.all([4, 5, 6].map((n) => writeFileAtomic(path, new Uint8Array(n).fill(n))));
    expect(all).toHaveLength(3);
    const last = await readFile(path);
    expect(Array.from(last)).toEqual(new Array(last.length).fill(last.length)); // one whole write, not a mix
    expect(await readdir(dir)).toEqual(['net.safetensors']);
  });
});

describe('a writer killed with SIGKILL mid-write', () => {
  it("leaves its temporary while alive, and the next saveNet removes it once it is dead", async () => {
    const dir = await freshFolder();
    const path = join(dir, 'net.safetensors');
    // A child opens the temporary through the built library, writes 1 MiB of it, reports its name, then waits.
    const script = `
      import { openAtomicFile } from ${JSON.stringify(join(repoRoot, 'dist/io/atomic-write.js'))};
      const file = await openAtomicFile(${JSON.stringify(path)});
      await file.write(new Uint8Array(1 << 20).fill(7));
      console.log(file.tempPath);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((done) => child.on('exit', done));
    try {
      const tempPath = await new Promise<string>((done, fail) => {
        let out = '';
        child.stdout!.on('data', (chunk) => {
          out += chunk;
          if (out.includes('\n')) done(out.trim());
        });
        child.on('exit', (code) => fail(new Error(`writer exited early (${code})`)));
      });
      expect(tempPath.startsWith(`${path}.${HOST}.${child.pid}.`)).toBe(true);
      expect((await stat(tempPath)).size).toBe(1 << 20);

      const net = new TwoLayerNet(20, 7, 3, 0.1, { backend, seed: 5 });
      await saveNet(net, path); // the writer is alive: its temporary stays
      expect((await readdir(dir)).sort()).toEqual([tempPath.slice(dir.length + 1), 'net.safetensors'].sort());

      child.kill('SIGKILL');
      await exited;
      const other = new TwoLayerNet(20, 7, 3, 0.1, { backend, seed: 6 });
      await saveNet(other, path);
      expect(await readdir(dir)).toEqual(['net.safetensors']);
      expect(new Uint8Array(await readFile(path))).toEqual(netToSafetensors(other));
      net.dispose();
      other.dispose();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
