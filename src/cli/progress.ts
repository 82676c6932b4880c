/**
 * What `scratchnet train` shows while it runs: on a terminal, a bar per epoch with samples/s and
 * the epoch's ETA, redrawn at most 10 times a second; after each epoch (terminal or not) one
 * plain line with the loss, train/test accuracy, throughput and elapsed time. It also measures
 * training throughput apart from the per-epoch evaluation.
 */
import type { BatchInfo, EpochInfo, TrainAccuracyMode } from '../train/trainer.js';

export interface ProgressOutput {
  /** Where the bar goes (stderr); null draws no bar. */
  bar: { write(text: string): unknown } | null;
  /** Where each epoch's line goes. */
  lines: { write(text: string): unknown };
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

export class TrainProgress {
  /** Seconds spent in training steps (evaluation excluded) and samples they processed. */
  trainSeconds = 0;
  samples = 0;
  private stepStart: number;
  private epochSamples = 0;
  private epochSeconds = 0;
  private lastDraw = 0;

  constructor(
    private readonly out: ProgressOutput,
    private readonly totalEpochs: number,
    /** All steps of the run: the last epoch of an --iterations run may be shorter. */
    private readonly totalIterations: number,
    /** 'running' marks the train accuracy as measured over the epoch's batches. */
    private readonly trainAccuracyMode: TrainAccuracyMode = 'full',
  ) {
    this.stepStart = performance.now();
  }

  get samplesPerSecond(): number {
    return this.trainSeconds > 0 ? this.samples / this.trainSeconds : 0;
  }

  /** Call when training starts (after loading and building), so setup is not counted. */
  start(): void {
    this.stepStart = performance.now();
  }

  onBatch(info: BatchInfo): void {
    const now = performance.now();
    const seconds = (now - this.stepStart) / 1000;
    this.stepStart = now;
    this.trainSeconds += seconds;
    this.samples += info.samples;
    this.epochSeconds += seconds;
    this.epochSamples += info.samples;
    if (this.out.bar && now - this.lastDraw >= REDRAW_MS) {
      this.lastDraw = now;
      this.out.bar.write(`\r${this.barText(info)}\x1b[K`);
    }
  }

  onEpoch(info: EpochInfo): void {
    const rate = this.epochSeconds > 0 ? this.epochSamples / this.epochSeconds : 0;
    const parts = [
      `epoch ${info.epoch}/${this.totalEpochs}`,
      `loss ${info.loss.toFixed(4)}`,
      info.trainAccuracy !== undefined ? `train ${trainAccuracyText(info.trainAccuracy, this.trainAccuracyMode)}` : '',
      info.testAccuracy !== undefined ? `test ${percent(info.testAccuracy)}` : '',
      `${Math.round(rate).toLocaleString('en-US')} samples/s`,
      `${info.seconds.toFixed(1)}s`,
    ].filter(Boolean);
    if (this.out.bar) this.out.bar.write('\r\x1b[K');
    this.out.lines.write(parts.join('  ') + '\n');
    this.epochSamples = 0;
    this.epochSeconds = 0;
    // The evaluation that ran before this call is not training time.
    this.stepStart = performance.now();
  }

  private barText(info: BatchInfo): string {
    const steps = Math.min(info.batchesPerEpoch, this.totalIterations - (info.epoch - 1) * info.batchesPerEpoch);
    const done = Math.min(1, info.batch / steps);
    const filled = Math.round(done * BAR_WIDTH);
    const rate = this.epochSeconds > 0 ? this.epochSamples / this.epochSeconds : 0;
    const eta = info.batch > 0 ? (this.epochSeconds / info.batch) * Math.max(0, steps - info.batch) : 0;
    return (
      `epoch ${info.epoch}/${this.totalEpochs} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ` +
      `${String(Math.floor(done * 100)).padStart(3)}%  ${Math.round(rate).toLocaleString('en-US')} samples/s  ETA ${eta.toFixed(1)}s`
    );
  }
}

export function percent(accuracy: number): string {
  return `${(accuracy * 100).toFixed(2)}%`;
}

/** A train accuracy as a percentage, marked "(running)" when measured over the epoch's batches as they trained. */
export function trainAccuracyText(accuracy: number, mode: TrainAccuracyMode): string {
  return `${percent(accuracy)}${mode === 'running' ? ' (running)' : ''}`;
}
