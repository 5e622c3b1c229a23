/**
 * Retrying what SQLite's busy handler does not cover. `PRAGMA journal_mode = WAL` on a new file
 * can fail with SQLITE_BUSY at once, without waiting for busy_timeout, while another process is
 * converting the same file (seen about once in 300 three-process opens here). Opening is rare
 * and short, so a synchronous retry with a small back-off is the simple cure.
 */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepMs(ms: number): void {
  // Atomics.wait is a synchronous sleep that works on Node's main thread too.
  Atomics.wait(sleeper, 0, 0, ms);
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export function retryWhileBusy<T>(fn: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      sleepMs(Math.min(5 * 2 ** Math.min(attempt, 5), 100));
    }
  }
}
