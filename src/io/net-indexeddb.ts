/**
 * Nets kept in the browser's IndexedDB: each under a key, as the same safetensors bytes a file
 * would hold (io/net-file.ts), so a page can train, save, reload and go on. Browser entry only.
 * One database (default "scratchnet") with one object store, "nets": key -> Uint8Array.
 */
import type { Sequential } from '../nets/sequential.js';
import type { NetBuildOptions } from '../nets/spec.js';
import { netFromSafetensors, netToSafetensors } from './net-file.js';

const DEFAULT_DATABASE = 'scratchnet';
const STORE = 'nets';

/** Where in IndexedDB the nets are kept. */
export interface IndexedDBOptions {
  /** The IndexedDB database's name. Default "scratchnet". */
  database?: string;
}

function checkKey(op: string, key: unknown): void {
  if (typeof key !== 'string' || key.length === 0) throw new Error(`${op}: key must be a non-empty string, got ${JSON.stringify(key)}`);
}

function openDatabase(op: string, name: string): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error(`${op}: this environment has no IndexedDB`));
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`${op}: cannot open IndexedDB database '${name}': ${request.error?.message}`));
    request.onblocked = () => reject(new Error(`${op}: IndexedDB database '${name}' is blocked by another tab holding an older version`));
  });
}

/** Runs one request in its own transaction; resolves with its result once the transaction has committed. */
async function inStore<T>(op: string, options: IndexedDBOptions, mode: IDBTransactionMode, make: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const name = options.database ?? DEFAULT_DATABASE;
  const db = await openDatabase(op, name);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = make(tx.objectStore(STORE));
      const fail = () => reject(new Error(`${op}: IndexedDB database '${name}': ${(tx.error ?? request.error)?.message ?? 'transaction aborted'}`));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = fail;
      tx.onabort = fail;
    });
  } finally {
    db.close();
  }
}

/**
 * Saves the net's params and architecture under `key` (replacing what was there).
 *
 * @example
 * ```ts
 * import { createBackend, TwoLayerNet, saveNetToIndexedDB, loadNetFromIndexedDB, listNetsInIndexedDB } from 'scratchnet';
 *
 * await createBackend();
 * const net = new TwoLayerNet(784, 50, 10);
 * await saveNetToIndexedDB(net, 'mnist-mlp');
 * console.log(await listNetsInIndexedDB()); // [ 'mnist-mlp' ]
 * const again = await loadNetFromIndexedDB('mnist-mlp'); // after a reload, say
 * console.log(again.summary());
 * ```
 */
export async function saveNetToIndexedDB(net: Sequential, key: string, options: IndexedDBOptions = {}): Promise<void> {
  checkKey('saveNetToIndexedDB', key);
  const bytes = netToSafetensors(net);
  await inStore('saveNetToIndexedDB', options, 'readwrite', (store) => store.put(bytes, key));
}

/** The net saved under `key`, rebuilt on `options.backend` (default: the default backend). */
export async function loadNetFromIndexedDB(key: string, options: NetBuildOptions & IndexedDBOptions = {}): Promise<Sequential> {
  checkKey('loadNetFromIndexedDB', key);
  const value: unknown = await inStore('loadNetFromIndexedDB', options, 'readonly', (store) => store.get(key));
  const where = `IndexedDB '${options.database ?? DEFAULT_DATABASE}'`;
  if (value === undefined) throw new Error(`loadNetFromIndexedDB: no net is saved under '${key}' in ${where}`);
  if (!(value instanceof Uint8Array)) throw new Error(`loadNetFromIndexedDB: '${key}' in ${where} holds something other than a saved net`);
  return netFromSafetensors(value, options, `${where} '${key}'`);
}

/** Removes the net saved under `key`; true if there was one. */
export async function deleteNetFromIndexedDB(key: string, options: IndexedDBOptions = {}): Promise<boolean> {
  checkKey('deleteNetFromIndexedDB', key);
  const existed = (await inStore('deleteNetFromIndexedDB', options, 'readonly', (store) => store.count(key))) > 0;
  if (existed) await inStore('deleteNetFromIndexedDB', options, 'readwrite', (store) => store.delete(key));
  return existed;
}

/** The keys of every saved net, sorted. */
export async function listNetsInIndexedDB(options: IndexedDBOptions = {}): Promise<string[]> {
  const keys = await inStore('listNetsInIndexedDB', options, 'readonly', (store) => store.getAllKeys());
  return keys.map(String).sort();
}
