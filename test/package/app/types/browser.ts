// The `browser` condition's typings: wasmUrl is an option, Node's file and MNIST loaders are absent.
import * as scratchnet from 'scratchnet';

export const backend = scratchnet.createBackend({ wasmUrl: '/scratchnet.wasm', threads: 1 });
// @ts-expect-error loadMnist reads files: Node only
export const loader = scratchnet.loadMnist;
// @ts-expect-error saveNet writes files: Node only
export const saver = scratchnet.saveNet;
