import type { EpochInfo } from './trainer.js';

/** The per-epoch figures a callback can watch. Losses should fall, accuracies rise. */
export type Monitor = 'loss' | 'valLoss' | 'valAccuracy' | 'trainAccuracy' | 'testAccuracy';
export const MONITORS: readonly Monitor[] = ['loss', 'valLoss', 'valAccuracy', 'trainAccuracy', 'testAccuracy'];

export function checkMonitor(who: string, monitor: unknown): Monitor {
  if (!(MONITORS as readonly unknown[]).includes(monitor)) {
    throw new Error(`${who}: monitor must be one of ${MONITORS.join(', ')}, got ${JSON.stringify(monitor)}`);
  }
  return monitor as Monitor;
}

/** The monitored figure of an epoch; throws, saying how to get it, when the epoch has none. */
export function monitoredValue(who: string, monitor: Monitor, info: EpochInfo): number {
  const value = info[monitor];
  if (value === undefined) {
    const how = monitor.startsWith('val')
      ? 'give fit validationData or validationSplit'
      : monitor === 'testAccuracy'
        ? 'give fit test data'
        : 'leave fit evaluate on';
    throw new Error(`${who}: epoch ${info.epoch} has no ${monitor}; ${how}`);
  }
  return value;
}

/** Whether `value` beats `best` (NaN: nothing yet) by more than minDelta, in the monitor's direction. */
export function improves(monitor: Monitor, value: number, best: number, minDelta = 0): boolean {
  if (Number.isNaN(best)) return true;
  return monitor === 'loss' || monitor === 'valLoss' ? value < best - minDelta : value > best + minDelta;
}
