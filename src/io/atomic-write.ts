/**
 * Writing a file so that readers see either the old content or the complete new one,
 * never a partial file: write to a temporary name in the same folder, fsync, rename.
 * A rename within one folder is atomic on POSIX file systems and on NTFS.
 * Node-only.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A file being written under a temporary name; `commit` puts it in place, `abort` removes it. */
export interface AtomicFile {
  /** The final path. */
  readonly path: string;
  /** The temporary path: `<path>.<random hex>.tmp`, in the same folder. */
  readonly tempPath: string;
  write(chunk: Uint8Array): Promise<void>;
  /** fsync, close and rename over `path`. */
  commit(): Promise<void>;
  /** Close and delete the temporary file; safe to call more than once, and after a failed commit. */
  abort(): Promise<void>;
}

/** A fresh temporary name next to `path`. */
export function tempPathFor(path: string): string {
  return `${path}.${randomBytes(6).toString('hex')}.tmp`;
}

/** Opens `<path>.<random>.tmp` for writing (exclusive create: never reuses an existing file). */
export async function openAtomicFile(path: string): Promise<AtomicFile> {
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
