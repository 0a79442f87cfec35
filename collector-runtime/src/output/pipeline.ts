// From pulled records to bytes on every output: encode each event once into Devo lines, hand the same
// batch to every sink, and resolve only when all of them have written it to their connections.
import type { OutEvent } from '../inputs/definition.ts';
import type { Sink } from './sink.ts';
import { encodeLine } from './line-encoder.ts';
import { LineBatchBuilder } from './line-batch-builder.ts';
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
/** Events above this size are sent, but counted: Devo publishes no limit and larger ones are untested. */
const OVERSIZE_BYTES = 64 * 1024;

export function createPipeline(
  sinks: readonly Sink[],
  opts: { hostname: string; now: () => number },
): Pipeline {
  return {
    async deliver(events, meta, telemetry) {
      if (events.length === 0) return;
      const time = opts.now();
      const builder = new LineBatchBuilder();
      const writes: Promise<void>[] = [];
      const flush = () => {
        if (builder.events === 0) return;
        const batch = builder.take();
        for (const sink of sinks)
          writes.push(sink.write(batch).then(() => telemetry.sent(batch.events, sink.name)));
      };
      let oversize = 0;
      for (const e of events) {
        const line = encodeLine({
          tag: e.tag,
          record: e.record,
          pullingId: meta.pullingId,
          environment: meta.environment,
          hostname: opts.hostname,
          time,
        });
        if (line.length > OVERSIZE_BYTES) oversize++;
        builder.add(line);
        if (builder.bytes >= MAX_BATCH_BYTES) flush();
      }
      flush();
      if (oversize) telemetry.oversize(oversize);
      await Promise.all(writes);
    },
  };
}
