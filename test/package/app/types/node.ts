// Node's typings: the file and MNIST loaders are there, the browser's wasm URL options are not.
import { createBackend, loadMnist, saveNet } from 'scratchnet';

export const loaders = [loadMnist, saveNet];
// @ts-expect-error wasmUrl is an option of the browser build only
export const backend = createBackend({ wasmUrl: '/scratchnet.wasm' });
