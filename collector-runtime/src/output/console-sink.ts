// The `console` output: lines to stdout (local runs, debugging). write() resolves when the stream took the bytes.
import type { Writable } from 'node:stream';
import { CollectorError } from '../core/errors.ts';
import type { LineBatch, Sink, SinkStatus } from './sink.ts';

export interface ConsoleSinkDeps {
  name: string;
  /** Defaults to process.stdout. */
  stream?: Writable;
}

export function createConsoleSink(deps: ConsoleSinkDeps): Sink {
  const stream = deps.stream ?? process.stdout;
  let pending = 0;
  let stopped = false;
  let drained: (() => void) | undefined;
  return {
    name: deps.name,
    async start() {},
    write(batch: LineBatch) {
      if (stopped)
        return Promise.reject(
          new CollectorError('CR_ERR_SHUTDOWN', `output ${deps.name} is stopping: batch not accepted`),
        );
      pending += batch.events;
      return new Promise<void>((resolve, reject) => {
        stream.write(batch.data, (err) => {
          pending -= batch.events;
          if (pending === 0) drained?.();
          if (err) reject(err);
          else resolve();
        });
      });
    },
    async stop(timeoutMs) {
      stopped = true;
      if (pending === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
    status(): SinkStatus {
      return { connected: true, queuedEvents: pending };
    },
  };
}
