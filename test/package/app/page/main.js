// A page importing the installed package: the bundler must find the .wasm the package loads.
import { createBackend, spiral, TwoLayerNet, SGD, Trainer } from 'scratchnet';

const result = document.getElementById('result');
try {
  const backend = await createBackend({ threads: 1 });
  const data = spiral();
  const x = backend.empty([data.count, 2], 'float32').set(data.x);
  const t = backend.empty([data.count, data.classes], 'float32').set(data.t);
  const net = new TwoLayerNet(2, 10, 3, 1, { activation: 'sigmoid', seed: 1984, backend });
  const epochs = new Trainer(net, new SGD(1.0)).fit(x, t, { epochs: 30, batchSize: 30, seed: 1984 });
  result.textContent = `loss ${epochs[0].loss} -> ${epochs[epochs.length - 1].loss}`;
  document.body.dataset.state = epochs[epochs.length - 1].loss < epochs[0].loss ? 'ok' : 'error';
} catch (err) {
  result.textContent = String(err && err.stack ? err.stack : err);
  document.body.dataset.state = 'error';
}
