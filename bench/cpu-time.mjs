// CPU-time timing shared by the raw scripts (gemm-raw.mjs, conv-raw.mjs, conv-parts.mjs).

/**
 * Seconds of this process's CPU time per call of fn, over at least minSeconds. CPU time,
 * not wall time: on a shared machine the process is often descheduled, which wall time
 * would count as slowness of the kernel. The clock is read once per batch of calls, the
 * batch doubling until it lasts 1 ms, so reading it (~1 us) adds nothing to a 3 us GEMM.
 */
export function timePerCall(fn, minSeconds) {
  const cpuSeconds = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  let calls = 0;
  let batch = 1;
  const start = cpuSeconds();
  let elapsed = 0;
  do {
    const batchStart = elapsed;
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = cpuSeconds() - start;
    if (elapsed - batchStart < 0.001) batch *= 2;
  } while (elapsed < minSeconds);
  return elapsed / calls;
}
