// Trains a small classifier on any numeric CSV file with a label column:
//   node examples/csv/train-csv.mjs points.csv label
import { createBackend, readCsv, dataset, MultiLayerNet, Adam, Trainer, EarlyStopping } from 'scratchnet';

const [file, label = 'label'] = process.argv.slice(2);
await createBackend({ dtype: 'float32' });
const { x, y, columns } = await readCsv(file, { label });
const { xTrain, yTrain, xTest, yTest } = dataset.trainTestSplit(x, y, { testFraction: 0.2, seed: 0 });
const scaler = dataset.standardize(xTrain); // fitted on the training rows only
const train = dataset.fromArrays(scaler.apply(xTrain), yTrain);
const test = dataset.fromArrays(scaler.apply(xTest), yTest);
const net = new MultiLayerNet({ inputSize: columns.length, hiddenSizes: [32], outputSize: Math.max(...y) + 1 }, { seed: 0 });
const trainer = new Trainer(net, new Adam(0.01));
const history = await trainer.fitAsync(train, {
  epochs: 500, batchSize: 30, test, validationSplit: 0.1, callbacks: [new EarlyStopping({ monitor: 'valLoss', patience: 30, restoreBest: true })],
});
console.log(net.summary());
const { testAccuracy } = history[history.length - 1];
const restored = net.predictClasses(scaler.apply(xTest)).filter((c, i) => c === yTest[i]).length / yTest.length;
console.log(`${history.length} epochs; test accuracy ${testAccuracy.toFixed(4)} at the last epoch, ${restored.toFixed(4)} with the best epoch's params`);
