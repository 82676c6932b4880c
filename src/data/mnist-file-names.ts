/**
 * The four files of an MNIST-format set (MNIST, Fashion-MNIST, KMNIST: the same names), without
 * the `.gz` the published files carry. The one place these names are written: the Node loader,
 * the browser loader, the downloader and the demo's server all take them from here. No imports,
 * so any build (a bundler's config included) can read it.
 */
export const MNIST_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistFileKey = keyof typeof MNIST_FILE_NAMES;

