// Builds the sink for one validated `outputs.<name>` entry, chosen by its `type`.
import type { OutputConfig } from '../config/runtime-config.ts';
import { createConsoleSink } from './console-sink.ts';
import type { DevoOutputConfig } from './devo-output-config.ts';
import { createDevoSink } from './devo-sink.ts';
import type { Sink, SinkDeps } from './sink.ts';
import type { SyslogOutputConfig } from './syslog-output-config.ts';
import { createSyslogSink } from './syslog-sink.ts';

export type CreateSinkDeps = Omit<SinkDeps, 'name'>;

export function createSink(name: string, output: OutputConfig, deps: CreateSinkDeps): Sink {
  switch (output.type) {
    case 'devo_platform':
      return createDevoSink(output.config as unknown as DevoOutputConfig, { name, ...deps });
    case 'syslog':
      return createSyslogSink(output.config as unknown as SyslogOutputConfig, { name, ...deps });
    case 'console':
      return createConsoleSink({ name });
  }
}
