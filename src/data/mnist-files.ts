/**
 * Finding the four MNIST-format files (names in mnist-file-names.ts); mnist.ts reads them.
 *
 * Where the files are looked for, in order (as Keras and torchvision users expect):
 *   1. the `dir` option (e.g. `--data DIR`),
 *   2. the SCRATCHNET_DATA environment variable (MNIST only),
 *   3. the cache folder $XDG_CACHE_HOME/scratchnet/<dataset> or ~/.cache/scratchnet/<dataset>.
 * A folder given by 1 or 2 must hold the files (an error names what is missing); only the cache
 * folder is filled by the downloader. Each file may be gzipped (`.gz`) or not.
 * Node-only.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { downloadDatasetFiles } from './download.js';
import type { DatasetName, ProgressCallback } from './download.js';
import { MNIST_FILE_NAMES } from './mnist-file-names.js';
import type { MnistFileKey } from './mnist-file-names.js';

/** Full paths of the four files. */
export type MnistFiles = Record<MnistFileKey, string>;

type Env = Record<string, string | undefined>;

export interface MnistLocateOptions {
  /** Folder holding the four files; takes precedence over everything else. */
  dir?: string;
  /** Which set the cache folder and the downloader are for. Default 'mnist'. */
  dataset?: DatasetName;
  /** Environment (SCRATCHNET_DATA, SCRATCHNET_MIRROR, XDG_CACHE_HOME, HOME). Default process.env. */
  env?: Env;
  /** Fill the cache folder from the mirrors when files are missing there. Default true. */
  download?: boolean;
  /** Download progress; default: a line on stderr. Pass `() => {}` to silence. */
  onProgress?: ProgressCallback;
}

export interface ResolvedMnistFiles {
  dir: string;
  /** Which rule found the folder. */
  source: 'dir' | 'SCRATCHNET_DATA' | 'cache';
  files: MnistFiles;
}

/** The cache folder for `dataset`: $XDG_CACHE_HOME/scratchnet/<dataset>, else ~/.cache/scratchnet/<dataset>. */
export function mnistCacheDir(dataset: DatasetName = 'mnist', env: Env = process.env): string {
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME;
  const root = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
  return join(root, 'scratchnet', dataset);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** For each file, the existing path (`.gz` preferred over the raw name), or null when neither exists. */
async function findFiles(dir: string): Promise<Record<MnistFileKey, string | null>> {
  const found = {} as Record<MnistFileKey, string | null>;
  for (const key of Object.keys(MNIST_FILE_NAMES) as MnistFileKey[]) {
    const base = join(dir, MNIST_FILE_NAMES[key]);
    found[key] = (await isFile(`${base}.gz`)) ? `${base}.gz` : (await isFile(base)) ? base : null;
  }
  return found;
}

function missingKeys(found: Record<MnistFileKey, string | null>): MnistFileKey[] {
  return (Object.keys(found) as MnistFileKey[]).filter((k) => found[k] === null);
}

function describeMissing(keys: MnistFileKey[]): string {
  return keys.map((k) => `${MNIST_FILE_NAMES[k]}.gz (or ${MNIST_FILE_NAMES[k]})`).join(', ');
}

/** A folder named by the user must exist and hold all four files. */
async function requireFolder(dir: string, origin: string): Promise<MnistFiles> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new Error(`resolveMnistFiles: folder ${dir} (${origin}) does not exist`);
  const found = await findFiles(dir);
  const missing = missingKeys(found);
  if (missing.length > 0) {
    throw new Error(`resolveMnistFiles: folder ${dir} (${origin}) lacks ${describeMissing(missing)}`);
  }
  return found as MnistFiles;
}

/**
 * Finds the four files: `dir`, else SCRATCHNET_DATA (for MNIST), else the cache folder, which is
 * filled from the mirrors when files are missing (unless `download: false`).
 */
export async function resolveMnistFiles(options: MnistLocateOptions = {}): Promise<ResolvedMnistFiles> {
  const env = options.env ?? process.env;
  const dataset = options.dataset ?? 'mnist';
  if (dataset !== 'mnist' && dataset !== 'fashion-mnist') {
    throw new Error(`resolveMnistFiles: unknown dataset '${String(dataset)}' (expected 'mnist' or 'fashion-mnist')`);
  }
  if (options.dir !== undefined && options.dir !== '') {
    const dir = resolve(options.dir);
    return { dir, source: 'dir', files: await requireFolder(dir, 'from the dir option') };
  }
  // SCRATCHNET_DATA names the MNIST folder; it must not stand in for another set.
  const fromEnv = dataset === 'mnist' ? env.SCRATCHNET_DATA : undefined;
  if (fromEnv) {
    const dir = resolve(fromEnv);
    return { dir, source: 'SCRATCHNET_DATA', files: await requireFolder(dir, 'from SCRATCHNET_DATA') };
  }
  const dir = mnistCacheDir(dataset, env);
  let found = await findFiles(dir);
  const missing = missingKeys(found);
  if (missing.length > 0) {
    if (options.download === false) {
      throw new Error(
        `resolveMnistFiles: cache folder ${dir} lacks ${describeMissing(missing)}; ` +
          'allow downloading, or name a folder with the dir option or SCRATCHNET_DATA',
      );
    }
    await downloadDatasetFiles(dataset, dir, missing, { env, onProgress: options.onProgress });
    found = await findFiles(dir);
  }
  return { dir, source: 'cache', files: found as MnistFiles };
}
