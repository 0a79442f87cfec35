// The Grafana dashboard JSON: the panels of dashboard-panels.ts laid out on Grafana's 24-column grid,
// with data source, collector and service variables. The generator checks every metric name the panels
// query against both registries, so a renamed metric breaks `npm run generate`, not a dashboard.
import { DS, ROWS, type PanelSpec } from './dashboard-panels.ts';

export const DASHBOARD_UID = 'devo-collector';

export function grafanaDashboard() {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const p of row.panels) {
      const h = p.kind === 'stat' ? 5 : 8;
      if (x + p.width > 24) {
        x = 0;
        y += h;
      }
      panels.push(panel(p, id++, { h, w: p.width, x, y }));
      x += p.width;
      if (x >= 24) {
        x = 0;
        y += h;
      }
    }
    if (x > 0) y += 8;
  }
  return {
    uid: DASHBOARD_UID,
    title: 'Devo collectors',
    description: 'Devo pull collectors (collector runtime) and the devo-collector-operator.',
    tags: ['devo', 'collectors'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '1m',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' },
        variable('collector', 'label_values(devo_collector_events_received_total, collector)'),
        variable(
          'service',
          'label_values(devo_collector_events_received_total{collector=~"$collector"}, service)',
        ),
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

function variable(name: string, query: string) {
  return {
    name,
    label: name[0]!.toUpperCase() + name.slice(1),
    type: 'query',
    datasource: DS,
    query: { query, refId: `${name}-values` },
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { text: 'All', value: '$__all' },
    sort: 1,
  };
}

function panel(p: PanelSpec, id: number, gridPos: Record<string, number>) {
  return {
    id,
    type: p.kind,
    title: p.title,
    description: p.description,
    datasource: DS,
    gridPos,
    fieldConfig: {
      defaults: {
        unit: p.unit,
        ...(p.thresholds ? { thresholds: { mode: 'absolute', steps: p.thresholds } } : {}),
      },
      overrides: [],
    },
    options: p.kind === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'background' } : {},
    targets: p.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DS,
      expr: t.expr,
      legendFormat: t.legend,
    })),
  };
}

/** Metric names the dashboard queries (histogram series reduced to the histogram's name). */
export function dashboardMetricNames(dashboard: ReturnType<typeof grafanaDashboard>): string[] {
  const names = new Set<string>();
  for (const p of dashboard.panels)
    for (const t of (p.targets ?? []) as { expr: string }[])
      for (const m of t.expr.matchAll(/\b(devo_(?:collector|operator)_[a-z0-9_]+)/g))
        names.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
  return [...names].sort();
}
