// Full garbage collections while the process is idle. A collector pulls for a second or two and then waits
// a minute: what the pull left behind (parsed pages, written batches and their buffers, and the output
// connection's resend buffer once it closes idle) stays in memory until the next pull allocates enough for
// V8 to collect. The idle process, the state it spends nearly all its time in and what every Collector's pod
// is sized by, would carry the last pull's garbage. Like V8's own memory reducer, collect a few times as an
// idle spell grows (after 1, 2, 4, … sample intervals, at most every `maxSpacingMs`): late releases such as
// the idle connection closing are caught, code not run for a while loses its bytecode, and a process that
// stays idle costs one short collection every few minutes (test/bench/RESULTS.md "Runtime memory").
// Node has no "the embedder is idle" hook; exposing gc to a fresh context is how test runners (Jest's leak
// detection) reach it without a command-line flag.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleGcOptions {
  /** How often the event loop's utilisation is sampled. */
  intervalMs: number;
  /** A sample at or below this utilisation (0..1) counts as idle. */
  idleUtilization: number;
  /** The longest wait between two collections of one idle spell. */
  maxSpacingMs: number;
}

export const IDLE_GC_DEFAULTS: IdleGcOptions = {
  intervalMs: 5000,
  idleUtilization: 0.01,
  maxSpacingMs: 300_000,
};

/** Starts the watcher; the returned function stops it. Its timer never keeps the process alive. */
export function startIdleGc(o: IdleGcOptions = IDLE_GC_DEFAULTS): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let last = performance.eventLoopUtilization();
  let idleSamples = 0;
  let nextAt = 1;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const idle = performance.eventLoopUtilization(now, last).utilization <= o.idleUtilization;
    if (!idle) {
      idleSamples = 0;
      nextAt = 1;
    } else if (++idleSamples === nextAt) {
      gc();
      nextAt += Math.min(nextAt, Math.max(1, Math.floor(o.maxSpacingMs / o.intervalMs)));
    }
    // Measured after our own collection, so it does not count as activity.
    last = performance.eventLoopUtilization();
  }, o.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
