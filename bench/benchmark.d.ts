/**
 * Types for benchmark.js 2.1.4 (the `benchmark` package ships none): the single-benchmark
 * API, its options, statistics and events.
 */
declare module 'benchmark' {
  namespace Benchmark {
    interface Options {
      /** Run cycles asynchronously (default false). */
      async?: boolean;
      /** Run the test as deferred (default false). */
      defer?: boolean;
      /** Seconds between cycles (default 0.005). */
      delay?: number;
      id?: string;
      /** Calls in the first cycle (default 1). */
      initCount?: number;
      /** Stop sampling once this many seconds have passed and minSamples are taken (default 5). */
      maxTime?: number;
      /** Samples needed before statistics (default 5). */
      minSamples?: number;
      /** Seconds each cycle must last; 0 derives it from the timer's resolution (at least 0.05). */
      minTime?: number;
      name?: string;
      onAbort?: (event: Event) => void;
      onComplete?: (event: Event) => void;
      onCycle?: (event: Event) => void;
      onError?: (event: Event) => void;
      onReset?: (event: Event) => void;
      onStart?: (event: Event) => void;
      setup?: (() => void) | string;
      teardown?: (() => void) | string;
      fn?: (() => void) | string;
    }

    interface Stats {
      /** Standard error of the mean, in seconds. */
      sem: number;
      /** Sample standard deviation, in seconds. */
      deviation: number;
      /** Mean seconds per call over the samples. */
      mean: number;
      /** Margin of error, in seconds. */
      moe: number;
      /** Relative margin of error, in percent of the mean. */
      rme: number;
      /** Mean seconds per call of each cycle. */
      sample: number[];
      variance: number;
    }

    interface Times {
      /** Seconds a cycle took. */
      cycle: number;
      /** Seconds the whole benchmark took. */
      elapsed: number;
      /** Seconds per call. */
      period: number;
      /** When the benchmark started (ms since the epoch). */
      timeStamp: number;
    }

    interface Event {
      type: string;
      target: Benchmark;
      currentTarget: Benchmark;
      aborted: boolean;
      cancelled: boolean;
      timeStamp: number;
    }
  }

  class Benchmark {
    static readonly version: string;
    static options: Benchmark.Options;

    constructor(fn: (() => void) | string, options?: Benchmark.Options);
    constructor(name: string, fn: (() => void) | string, options?: Benchmark.Options);
    constructor(name: string, options?: Benchmark.Options);
    constructor(options: Benchmark.Options);

    id: number;
    name: string;
    fn: () => void;
    /** Calls per cycle in the last cycle. */
    count: number;
    cycles: number;
    /** Calls per second. */
    hz: number;
    aborted: boolean;
    running: boolean;
    /** Set when fn threw; the run is aborted. */
    error?: Error;
    stats: Benchmark.Stats;
    times: Benchmark.Times;
    options: Benchmark.Options;

    run(options?: { async?: boolean; queued?: boolean }): this;
    abort(): this;
    reset(): this;
    clone(options?: Benchmark.Options): Benchmark;
    /** -1, 0 or 1: whether this one is slower, indistinguishable or faster than other. */
    compare(other: Benchmark): number;
    on(type: string, listener: (event: Benchmark.Event) => void): this;
    off(type?: string, listener?: (event: Benchmark.Event) => void): this;
    emit(type: string | Benchmark.Event): unknown;
    toString(): string;
  }

  export = Benchmark;
}
