/**
 * Writing a file so that readers see either the old content or the complete new one,
 * never a partial file: write to a temporary name in the same folder, fsync, rename.
 * A rename within one folder is atomic on POSIX file systems and on NTFS.
 *
 * A writer killed mid-write (kill -9, power loss) cannot remove its temporary file, so the next
 * write to the same path removes the ones left behind. The temporary name records who wrote it,
 * `<path>.<host>.<pid>.<random>.tmp` (host: 8 hex digits of a hash of the host name), and a
 * temporary is stale when
 *   - this host wrote it and no process with that pid is alive here: removed at once; or
 *   - nothing has written to it for a day (its mtime): the case of a writer on another host, such
 *     as a container that got a new host name on restart, whose pid means nothing here.
 * Neither touches a live writer: another save in this process has our own pid, another live
 * process here is found alive, and a live writer anywhere keeps its file's mtime fresh (the
 * downloader gives up on a mirror silent for 30 s; the last write is seconds before the rename).
 * A pid reused by an unrelated process only keeps a stale file until the day has passed.
 * Node-only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** A file being written under a temporary name; `commit` puts it in place, `abort` removes it. */
export interface AtomicFile {
  /** The final path. */
  readonly path: string;
  /** The temporary path: `<path>.<host>.<pid>.<random>.tmp`, in the same folder. */
  readonly tempPath: string;
  write(chunk: Uint8Array): Promise<void>;
  /** fsync, close and rename over `path`. */
  commit(): Promise<void>;
  /** Close and delete the temporary file; safe to call more than once, and after a failed commit. */
  abort(): Promise<void>;
}

/** A temporary nobody has written to for this long is stale whoever wrote it. */
const UNTOUCHED_MS = 24 * 3600 * 1000;

/** This machine's tag in temporary names: the host name's hash keeps names short and safe. */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** A fresh temporary name next to `path`, recording this host and process. */
function tempPathFor(path: string): string {
  return `${path}.${HOST_TAG}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** The writer recorded in `name` if it is a temporary of the file `target` (a base name), else null. */
function temporaryWriter(target: string, name: string): { host: string; pid: number } | null {
  if (!name.startsWith(`${target}.`)) return null;
  const match = /^([0-9a-f]{8})\.([1-9][0-9]{0,9})\.[0-9a-f]{12}\.tmp$/.exec(name.slice(target.length + 1));
  return match ? { host: match[1], pid: Number(match[2]) } : null;
}

/** False only when this machine has no process with this pid; any other answer (EPERM: it exists but is not ours) keeps the file. */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the stale temporaries of `path` (see the top of this file). Best effort: a folder that
 * cannot be listed, or a file another cleaner removed first or that we may not delete, is left to
 * the write itself to report, or to a later cleanup.
 */
async function removeStaleTemporaries(path: string): Promise<void> {
  const folder = dirname(path);
  const target = basename(path);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const writer = temporaryWriter(target, name);
    if (writer === null) continue;
    const file = join(folder, name);
    try {
      const writerGone = writer.host === HOST_TAG && !processIsAlive(writer.pid);
      if (writerGone || Date.now() - (await stat(file)).mtimeMs > UNTOUCHED_MS) await unlink(file);
    } catch {
      // Removed by another writer already, or not ours to remove.
    }
  }
}

/**
 * Opens a temporary next to `path` for writing (exclusive create: never reuses an existing file),
 * after removing the temporaries killed writers left for `path`.
 */
export async function openAtomicFile(path: string): Promise<AtomicFile> {
  await removeStaleTemporaries(path);
  const tempPath = tempPathFor(path);
  let handle: FileHandle | null = await open(tempPath, 'wx');
  let done = false;

  const closeHandle = async (): Promise<void> => {
    const h = handle;
    handle = null;
    if (h) await h.close();
  };

  return {
    path,
    tempPath,
    async write(chunk: Uint8Array): Promise<void> {
      if (!handle) throw new Error(`writeFileAtomic: ${path} is already committed or aborted`);
      let written = 0;
      while (written < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
        written += bytesWritten;
      }
    },
    async commit(): Promise<void> {
      if (!handle) throw new Error(`writeFileAtomic: ${path} is already committed or aborted`);
      await handle.sync();
      await closeHandle();
      await rename(tempPath, path);
      done = true;
      await syncFolder(dirname(path));
    },
    async abort(): Promise<void> {
      if (done) return;
      done = true;
      try {
        await closeHandle();
      } finally {
        await unlink(tempPath).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
    },
  };
}

/**
 * Writes `bytes` to `path` atomically: temporary file in the same folder, fsync, rename.
 * On any failure the temporary file is removed and the old `path` (if any) is untouched.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const file = await openAtomicFile(path);
  try {
    await file.write(bytes);
    await file.commit();
  } catch (err) {
    await file.abort();
    throw err;
  }
}

/**
 * fsync a folder so the rename itself survives a crash. Some platforms (Windows) cannot open
 * a folder for this; the rename is still atomic there, so failures are ignored.
 */
async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Not supported here: nothing more can be done.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
