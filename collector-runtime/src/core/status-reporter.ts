// Under the operator, the runtime reports when it last pulled successfully into its Collector's
// status.lastPullTime (the "Last Pull" column of `kubectl get devo`). Server-side apply under its own
// field manager, so it owns that one field and never touches what the operator writes.
import type { KubeApi } from './kube-api.ts';
import type { Logger } from '../logging/logger.ts';
import type { Clock } from './clock.ts';

export const RUNTIME_FIELD_MANAGER = 'devo-collector-runtime';

export interface StatusReporter {
  /** Reports now if the last successful pull moved since the previous report. */
  report(): Promise<void>;
  stop(): void;
}

export function startStatusReporter(opts: {
  api: KubeApi;
  collector: string;
  namespace: string;
  lastSuccessAt: () => number | undefined;
  log: Logger;
  clock: Clock;
  intervalMs?: number;
}): StatusReporter {
  const { api } = opts;
  const path =
    `/apis/collectors.devo.com/v1alpha1/namespaces/${encodeURIComponent(opts.namespace)}` +
    `/collectors/${encodeURIComponent(opts.collector)}/status?fieldManager=${RUNTIME_FIELD_MANAGER}&force=true`;
  let reported: number | undefined;
  let failures = 0;
  async function report(): Promise<void> {
    const at = opts.lastSuccessAt();
    if (at === undefined || at === reported) return;
    try {
      await api.request('PATCH', path, {
        contentType: 'application/apply-patch+yaml', // JSON is YAML
        body: {
          apiVersion: 'collectors.devo.com/v1alpha1',
          kind: 'Collector',
          metadata: { name: opts.collector, namespace: opts.namespace },
          status: { lastPullTime: new Date(at).toISOString().replace(/\.\d+Z$/, 'Z') },
        },
      });
      reported = at;
      failures = 0;
    } catch (err) {
      // Status is a convenience: log once per streak of failures, never disturb the pulls.
      if (failures++ === 0)
        opts.log.warn(
          { err, collector: `${opts.namespace}/${opts.collector}` },
          'Failed to report the last pull time to the Collector status',
        );
    }
  }
  const timer = setInterval(() => void report(), opts.intervalMs ?? 5_000);
  timer.unref();
  return { report, stop: () => clearInterval(timer) };
}
