/**
 * Preloaded (`node --import`) into the API and runner processes the benchmark starts. It changes
 * nothing in them but answers memory questions over the IPC channel (after a full GC when the process
 * runs with --expose-gc), and stops the process if the benchmark that started it disappears — so a
 * crashed benchmark never leaves servers behind.
 */
interface MemQuestion {
  type: 'mem';
  id: number;
}

if (typeof process.send === 'function') {
  process.on('message', (m: MemQuestion) => {
    if (!m || m.type !== 'mem') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) gc();
    process.send?.({ type: 'mem', id: m.id, mem: process.memoryUsage() });
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.channel?.unref();
}

export {};
