// Everything that runs the same in Node and in browsers. src/index.ts (Node) and src/browser.ts
// add each platform's createBackend and data loading.

export { Backend } from './backend/backend.js';
export type { BackendOptions, Kernels } from './backend/backend.js';
export { Tensor } from './backend/tensor.js';
export { SparseRows } from './backend/sparse-rows.js';
export { ByteRowsBatch } from './backend/byte-rows-batch.js';
export type { SparseInput } from './ops/sparse.js';
export { SparseByteRows } from './backend/sparse-byte-rows.js';
export type { NestedArray } from './backend/tensor.js';
export type { DType, FloatDType, TypedArrayOf } from './backend/dtype.js';
export type { Shape } from './backend/shape.js';
export { defaultBackend, setDefaultBackend } from './backend/default-backend.js';
export { Rng } from './random/rng.js';
/** exp, log, sin, cos, pow, ... with the same bits in every JavaScript engine (Math's are not). */
export * as math from './math/index.js';
export * as ops from './ops/index.js';
/** Tensors that record their ops, backward(), modules: a second front end over the same kernels. */
export * as autograd from './autograd/index.js';

// Layers
export { Layer } from './layers/layer.js';
export type { LossLayer } from './layers/layer.js';
export { Affine } from './layers/affine.js';
export { MatMul } from './layers/matmul.js';
export { Add } from './layers/add.js';
export { Mul } from './layers/mul.js';
export { Repeat } from './layers/repeat.js';
export { Sum } from './layers/sum.js';
export { Sigmoid } from './layers/sigmoid.js';
export { ReLU } from './layers/relu.js';
export { Tanh } from './layers/tanh.js';
export { LeakyReLU } from './layers/leaky-relu.js';
export { ELU } from './layers/elu.js';
export { Identity } from './layers/identity.js';
export { Softmax } from './layers/softmax.js';
export { Dropout } from './layers/dropout.js';
export { Convolution } from './layers/convolution.js';
export { Pooling } from './layers/pooling.js';
export type { PoolingMode } from './layers/pooling.js';
export { BatchNormalization } from './layers/batch-normalization.js';
export type { BatchNormalizationOptions } from './layers/batch-normalization.js';
export { Flatten } from './layers/flatten.js';
export { SoftmaxWithLoss } from './layers/softmax-with-loss.js';
export { SigmoidWithLoss } from './layers/sigmoid-with-loss.js';
export { MeanSquaredError } from './layers/mean-squared-error.js';

// Nets
export { Sequential } from './nets/sequential.js';
export type { SequentialOptions } from './nets/sequential.js';
export type { PredictBatch, PredictSample } from './nets/predict.js';
export { netSpec, buildNet, checkNetSpec } from './nets/spec.js';
export type { NetSpec, LayerSpec, LossSpec, NetBuildOptions } from './nets/spec.js';
export { TwoLayerNet } from './nets/two-layer-net.js';
export { MultiLayerNet } from './nets/multi-layer-net.js';
export type { MultiLayerNetConfig, NetOptions } from './nets/multi-layer-net.js';
export { ConvNet } from './nets/conv-net.js';
export type { ConvNetConfig } from './nets/conv-net.js';
export { SimpleConvNet } from './nets/simple-conv-net.js';
export type { SimpleConvNetConfig } from './nets/simple-conv-net.js';
export { DeepConvNet } from './nets/deep-conv-net.js';
export type { DeepConvNetConfig } from './nets/deep-conv-net.js';
export { ACTIVATIONS, activationLayer, isActivationName } from './nets/activation-by-name.js';
export type { ActivationName } from './nets/activation-by-name.js';
export type { WeightInit } from './nets/weight-init.js';
export { fnv1a64, tensorHash, paramsHash } from './nets/params-hash.js';

// Optimizers
export { Optimizer } from './optim/optimizer.js';
export { SGD } from './optim/sgd.js';
export { Momentum } from './optim/momentum.js';
export { Nesterov } from './optim/nesterov.js';
export { AdaGrad } from './optim/adagrad.js';
export { RMSprop } from './optim/rmsprop.js';
export { Adam } from './optim/adam.js';
export { OPTIMIZERS, optimizerByName, optimizerLabel, defaultLearningRate, isOptimizerName } from './optim/optimizer-by-name.js';
export type { OptimizerName } from './optim/optimizer-by-name.js';
/** Learning-rate schedules: constant, linear, step, cosine, warmup, oneCycle. */
export * as schedules from './optim/lr-schedule.js';
export type { LearningRateSchedule, OneCycleOptions } from './optim/lr-schedule.js';

// Training
export { Trainer, DivergenceError } from './train/trainer.js';
export type { FitOptions, FitAsyncOptions, EpochInfo, BatchInfo, TrainAccuracyMode } from './train/trainer.js';
export type { Callback, HookResult } from './train/callback.js';
export { EarlyStopping } from './train/early-stopping.js';
export type { EarlyStoppingOptions } from './train/early-stopping.js';
export type { Monitor } from './train/monitor.js';
export { batches } from './train/batches.js';
export type { BatchesOptions } from './train/batches.js';
export { TensorSource, ByteImageSource } from './train/batch-source.js';
export type { BatchSource } from './train/batch-source.js';
export { SubsetSource, splitSource } from './train/subset-source.js';
export { evaluateAccuracy, evaluateLossAndAccuracy } from './train/evaluate.js';
export type { EvaluationOptions } from './train/evaluate.js';
export { EvaluationBuffers } from './train/evaluation-buffers.js';
export { BatchBuffers } from './train/batch-buffers.js';
export { topKAccuracy, confusionMatrix } from './train/metrics.js';
export type { MetricOptions } from './train/metrics.js';
export { ConfusionMatrix } from './train/confusion-matrix.js';

// The book's smaller systems, in plain TypeScript
export { step, identity, sigmoid, sigmoidGrad, relu, reluGrad, tanh, leakyRelu, elu, softmax } from './functions/activations.js';
export { sumSquaresError, crossEntropyError } from './functions/losses.js';
export { numericalDiff, numericalGradient, gradientDescent } from './gradient/numerical.js';
export type { DescentResult } from './gradient/numerical.js';
export { gradientCheck } from './gradient/gradient-check.js';
export type { GradientCheckResult } from './gradient/gradient-check.js';
export { AND, NAND, OR, XOR } from './perceptron/gates.js';
export { Perceptron } from './perceptron/perceptron.js';
export type { PerceptronOptions, PerceptronFitOptions } from './perceptron/perceptron.js';
export { spiral } from './data/spiral.js';
/** Data from plain arrays and CSV text: fromArrays, oneHot, standardize, minMaxScale, trainTestSplit, parseCsv. */
export * as dataset from './data/dataset.js';
export type { Scaler } from './data/scaler.js';
export type { TrainTestSplit } from './data/train-test-split.js';
export type { CsvData, CsvOptions } from './data/csv.js';
export type { SpiralData, SpiralOptions } from './data/spiral.js';
export { lineChartSvg } from './plot/line-chart.js';
export type { LineSeries, LineChartOptions } from './plot/line-chart.js';
export { MnistSet } from './data/mnist-set.js';
export type { Mnist, MnistFormat } from './data/mnist-set.js';
export { fetchMnist } from './data/mnist-fetch.js';
export { MNIST_FILE_NAMES } from './data/mnist-file-names.js';
export type { FetchMnistOptions } from './data/mnist-fetch.js';
export { decisionBoundarySvg } from './plot/decision-boundary.js';
export type { Classify, LabelledPoints, DecisionBoundaryOptions } from './plot/decision-boundary.js';

// Files
export { parseIdx } from './data/idx.js';
export type { IdxArray } from './data/idx.js';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors.js';
export type { SafetensorsTensor, SafetensorsDtype, SafetensorsData, DecodedSafetensors } from './io/safetensors.js';
export { netToSafetensors, netFromSafetensors, loadNetWeightsFromSafetensors, readNetFile, loadNetFile } from './io/net-file.js';
export type { NetFile } from './io/net-file.js';
export { exportOnnx } from './io/onnx.js';
export type { OnnxExportOptions } from './io/onnx.js';
