// SPDX-License-Identifier: Apache-2.0
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { AwsRequestMeter } from '#adapters/aws';
import { SqliteWorkQueue } from '#adapters/embedded';
import { HttpLegacyHost } from '#adapters/http-host';
import { GatewayInstruments } from './instruments.js';
import { MetricsRegistry } from './metrics.registry.js';

/**
 * The Grafana dashboard and the Prometheus alert rules in deploy/ use only series the gateway serves: every
 * metric name in their PromQL is in the registry (with every optional source present), so they cannot drift
 * from the code. promtool checks the rules' syntax and behaviour in CI (.ci/run).
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Series that come from Prometheus itself, not from the gateway. */
const PROMETHEUS_SERIES = new Set(['up']);

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads (functions, aggregations, labels, keywords and numbers left out). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names = new Set<string>();
  for (const m of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1]!.toLowerCase())) continue;
    names.add(m[1]!);
  }
  return [...names];
}

/** The `expr:` of every rule in our rules file (one line, or a `|` block indented deeper than the key). */
function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const exprs: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (m[2] !== '|' && m[2] !== '>') {
      exprs.push(m[2]!);
      return;
    }
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || lines[j]!.search(/\S/) > m[1]!.length); j++) block.push(lines[j]!);
    exprs.push(block.join('\n').trim());
  });
  return exprs;
}

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** Every name the gateway's registry serves, with every optional source present. */
async function servedNames(): Promise<Set<string>> {
  const queue = Object.create(SqliteWorkQueue.prototype) as SqliteWorkQueue;
  queue.depth = async () => ({ waiting: 0, inflight: 0, dead: 0 });
  const registry = new MetricsRegistry(
    {
      writeStats: { commits: 0, writes: 0, commitMs: 0, walSyncs: 0, longestCommitMs: 0, largestBatch: 0 },
      checkpointStats: null,
    } as never,
    new AwsRequestMeter(),
    {
      state: { open: true, queued: 0, oldestQueuedMs: null, completedPerSecond: 0, expectedWaitMs: 0 },
      refused: { overloaded: 0, quota: 0 },
    } as never,
    new HttpLegacyHost({ baseUrl: 'http://127.0.0.1:9', codec: {} as never }),
    { totals: { timedOut: 0, redriven: 0 } } as never,
    new GatewayInstruments(),
    queue,
    { findStale: async () => [] } as never,
    { totals: { lastBacklog: 0, relayed: 0, failedPasses: 0 } } as never,
    { revision: 'test' } as never,
  );
  const names = new Set<string>();
  for (const m of await registry.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${m.name}${suffix}`);
    if (String(m.type) === 'summary') for (const suffix of ['_count', '_sum']) names.add(`${m.name}${suffix}`);
  }
  return names;
}

describe('deploy/: dashboard and alert rules against the registry', () => {
  let served: Set<string>;
  beforeAll(async () => {
    served = await servedNames();
  });

  it('the name extractor finds metric names and leaves functions, labels and keywords out', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, host) (rate(clearway_host_call_duration_seconds_bucket{outcome=~"error|timeout"}[5m]))) / on(host) max(up) > 0.5',
      ).sort(),
    ).toEqual(['clearway_host_call_duration_seconds_bucket', 'up']);
    expect(metricNames('max by (instance) (nodejs_eventloop_lag_p99_seconds) > 0.2')).toEqual(['nodejs_eventloop_lag_p99_seconds']);
  });

  it('serves the series the issue asks for, payment and latency series named as the operations contract says', () => {
    for (const name of [
      'clearway_payment_transitions_total',
      'clearway_payment_submit_duration_seconds_bucket',
      'clearway_payment_received_to_terminal_seconds_bucket',
      'clearway_host_call_duration_seconds_bucket',
      'clearway_screening_duration_seconds_bucket',
      'clearway_queue_waiting_jobs',
      'clearway_queue_inflight_jobs',
      'clearway_queue_dead_letter_jobs',
      'clearway_sla_timeouts_total',
      'clearway_payments_outcome_unknown',
      'clearway_outbox_backlog_jobs',
      'nodejs_eventloop_lag_p99_seconds',
      'clearway_build_info',
    ]) {
      expect({ name, served: served.has(name) }).toEqual({ name, served: true });
    }
  });

  it('the Grafana dashboard parses and reads only served series', () => {
    const dashboard = JSON.parse(read('deploy/grafana/clearway-dashboard.json')) as { uid: string; panels: Panel[] };
    expect(dashboard.uid).toBe('clearway-gateway');
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(20);
    const used = new Set<string>();
    for (const panel of panels) {
      expect({ panel: panel.title, targets: (panel.targets ?? []).length > 0 }).toEqual({ panel: panel.title, targets: true });
      for (const t of panel.targets!) for (const n of metricNames(t.expr)) used.add(n);
    }
    const unknown = [...used].filter((n) => !served.has(n) && !PROMETHEUS_SERIES.has(n));
    expect(unknown).toEqual([]);
    // the panels the operations docs promise
    for (const name of [
      'clearway_payment_transitions_total',
      'clearway_payment_submit_duration_seconds_bucket',
      'clearway_payment_received_to_terminal_seconds_bucket',
      'clearway_host_call_duration_seconds_count',
      'clearway_queue_dead_letter_jobs',
      'clearway_payments_outcome_unknown',
      'clearway_sla_timeouts_total',
      'clearway_admission_refused_total',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect({ name, used: used.has(name) }).toEqual({ name, used: true });
    }
  });

  it('the alert rules read only served series, and each has a severity and a runbook in docs/operations.md', () => {
    const yaml = read('deploy/prometheus/alerts.yml');
    const alerts = [...yaml.matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]!);
    const exprs = ruleExpressions(yaml);
    expect(exprs).toHaveLength(alerts.length);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'ClearwayDeadLetters',
        'ClearwayPaymentsOutcomeUnknown',
        'ClearwaySlaRejectionsRising',
        'ClearwayHostErrorRateHigh',
        'ClearwaySubmitLatencyHigh',
        'ClearwayEventLoopLagHigh',
      ]),
    );
    const unknown = exprs.flatMap(metricNames).filter((n) => !served.has(n) && !PROMETHEUS_SERIES.has(n));
    expect(unknown).toEqual([]);
    expect(yaml.match(/^\s*severity: (critical|warning)$/gm)).toHaveLength(alerts.length);
    const docs = read('docs/operations.md');
    for (const alert of alerts) {
      expect(yaml).toContain(`runbook_url: docs/operations.md#${alert.toLowerCase()}`);
      // the anchor exists: a heading named after the alert
      expect({ alert, heading: new RegExp(`^#{2,4} ${alert}$`, 'm').test(docs) }).toEqual({ alert, heading: true });
    }
  });

  it("the compose profile `observability` wires Prometheus to the gateway's METRICS_PORT and Grafana to both files", () => {
    // Docker cannot run here: this checks what can be checked without it, the wiring between the files.
    interface Service {
      profiles?: string[];
      environment?: Record<string, string>;
      expose?: string[];
      ports?: string[];
      volumes?: string[];
    }
    const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, Service> };
    const { gateway, prometheus, grafana } = compose.services;
    expect(prometheus?.profiles).toEqual(['observability']);
    expect(grafana?.profiles).toEqual(['observability']);
    // every file mounted from the repository exists
    const mounts = (s: Service | undefined) =>
      (s?.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => ({ from: v.split(':')[0]!.slice(2), to: v.split(':')[1]! }));
    for (const m of [...mounts(prometheus), ...mounts(grafana)])
      expect({ mount: m.from, exists: existsSync(join(ROOT, m.from)) }).toEqual({ mount: m.from, exists: true });
    // Prometheus scrapes the gateway on the METRICS_PORT the gateway sets and exposes inside the network, not published
    const metricsPort = gateway?.environment?.METRICS_PORT;
    expect(metricsPort).toMatch(/^\d+$/);
    expect(gateway?.expose).toContain(metricsPort);
    expect((gateway?.ports ?? []).some((p) => p.includes(metricsPort!))).toBe(false);
    const config = parseYaml(read('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: Array<{ metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
    };
    expect(config.scrape_configs.flatMap((c) => c.static_configs.flatMap((t) => t.targets))).toEqual([`gateway:${metricsPort}`]);
    expect(config.scrape_configs[0]!.metrics_path).toBe('/metrics');
    // the rule file Prometheus loads is the one mounted beside its config
    const promMounts = mounts(prometheus);
    const configDir = dirname(promMounts.find((m) => m.from === 'deploy/prometheus/prometheus.yml')!.to);
    for (const rules of config.rule_files) expect(promMounts.map((m) => m.to)).toContain(join(configDir, rules));
    // Grafana: provisioning mounted where Grafana reads it; the dashboard where the provider looks; its datasource provisioned
    const grafMounts = mounts(grafana);
    expect(grafMounts).toContainEqual({ from: 'deploy/grafana/provisioning', to: '/etc/grafana/provisioning' });
    const provider = parseYaml(read('deploy/grafana/provisioning/dashboards/clearway.yml')) as {
      providers: Array<{ options: { path: string } }>;
    };
    const dashboardMount = grafMounts.find((m) => m.from === 'deploy/grafana/clearway-dashboard.json')!;
    expect(dirname(dashboardMount.to)).toBe(provider.providers[0]!.options.path);
    const datasources = parseYaml(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    const dashboard = JSON.parse(read('deploy/grafana/clearway-dashboard.json')) as {
      templating: { list: Array<{ name: string; type: string; current?: { value: string } }> };
    };
    const variable = dashboard.templating.list.find((v) => v.type === 'datasource')!;
    expect(datasources.datasources).toContainEqual(
      expect.objectContaining({ uid: variable.current!.value, type: 'prometheus', url: 'http://prometheus:9090' }),
    );
  });
});
