// Builds the sink for one validated `outputs.<name>` entry, chosen by its `type`.
import type { OutputConfig } from './output-rules.ts';
import { createConsoleSink } from './console-sink.ts';
import { createDevoSink } from './devo-sink.ts';
import type { Sink, SinkDeps } from './sink.ts';
import { createSyslogSink } from './syslog-sink.ts';

export type CreateSinkDeps = Omit<SinkDeps, 'name'>;

export function createSink(name: string, output: OutputConfig, deps: CreateSinkDeps): Sink {
  switch (output.type) {
    case 'devo_platform':
      return createDevoSink(output.config, { name, ...deps });
    case 'syslog':
      return createSyslogSink(output.config, { name, ...deps });
    case 'console':
      return createConsoleSink({ name });
  }
}
