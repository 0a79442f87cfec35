// From pulled records to bytes on every output: encode each event once into Devo lines, hand the same
// batch to every sink, and resolve only when all of them have written it to their connections.
import type { OutEvent } from '../inputs/definition.ts';
import type { Sink } from '../output/sink.ts';
import { encodeLine } from '../output/line-encoder.ts';
import type { ServiceTelemetry } from '../metrics/service-telemetry.ts';

export interface Pipeline {
  deliver(
    events: readonly OutEvent[],
    meta: { pullingId: number; environment?: string },
    telemetry: ServiceTelemetry,
  ): Promise<void>;
}

/** Above this many bytes a batch is split, so one page never holds the whole queue. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export function createPipeline(
  sinks: readonly Sink[],
  opts: { hostname: string; now: () => number },
): Pipeline {
  return {
    async deliver(events, meta, telemetry) {
      if (events.length === 0) return;
      const time = opts.now();
      let parts: string[] = [];
      let bytes = 0;
      const writes: Promise<void>[] = [];
      const flush = () => {
        if (parts.length === 0) return;
        const batch = { data: Buffer.from(parts.join(''), 'utf8'), events: parts.length };
        for (const sink of sinks)
          writes.push(sink.write(batch).then(() => telemetry.sent(batch.events, sink.name)));
        parts = [];
        bytes = 0;
      };
      for (const e of events) {
        const line = encodeLine({
          tag: e.tag,
          record: e.record,
          pullingId: meta.pullingId,
          environment: meta.environment,
          hostname: opts.hostname,
          time,
        });
        parts.push(line);
        bytes += line.length;
        if (bytes >= MAX_BATCH_BYTES) flush();
      }
      flush();
      await Promise.all(writes);
    },
  };
}
