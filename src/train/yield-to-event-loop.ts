/**
 * A turn of the event loop for fitAsync: resolves after pending messages, clicks and timers had
 * their chance. A MessageChannel message is a task of its own without setTimeout's 4 ms clamp on
 * nested timers (which would idle a quarter of every 16 ms slice).
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      channel.port2.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Whether we run in a browser page or worker (fitAsync yields by default there, not in Node). */
export function runsInBrowser(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; navigator?: unknown };
  return g.process?.versions?.node === undefined && g.navigator !== undefined;
}
