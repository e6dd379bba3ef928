// SPDX-License-Identifier: Apache-2.0
/** The CloudWatch agent sidecar that ships the gateway's metrics, and the alarms on them (namespace Clearway). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import { AGENT_IMAGE, METRIC_DIMENSIONS, PUBLISHED_SERIES } from '../lib/metrics-agent.js';
import { synth } from './synth.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Container {
  Name: string;
  Image: unknown;
  Essential?: boolean;
  Cpu?: number;
  Memory?: number;
  MemoryReservation?: number;
  Environment?: { Name: string; Value: unknown }[];
  LogConfiguration?: { LogDriver: string; Options: Record<string, unknown> };
}

interface MetricDeclaration {
  source_labels: string[];
  label_matcher: string;
  dimensions: string[][];
  metric_selectors: string[];
}

describe('the gateway metrics in CloudWatch (agent sidecar)', () => {
  let t: Template;
  beforeAll(() => {
    t = synth().template();
  });

  const published = Object.keys(PUBLISHED_SERIES).sort();
  const taskContainers = (): Container[][] =>
    Object.values(t.findResources('AWS::ECS::TaskDefinition')).map((d) => d.Properties.ContainerDefinitions as Container[]);
  const env = (c: Container) => Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value]));
  const roleOf = (containers: Container[]) => env(containers.find((c) => c.Name === 'gateway')!).ROLE as string;
  const agentOf = (containers: Container[]) => containers.find((c) => c.Name === 'cloudwatch-agent');

  it('runs the agent, pinned and not essential, beside the gateway in both task definitions', () => {
    const defs = taskContainers();
    expect(defs.map(roleOf).sort()).toEqual(['api', 'worker']);
    for (const containers of defs) {
      expect(containers.map((c) => c.Name)).toEqual(['gateway', 'cloudwatch-agent']);
      expect(containers[0]!.Essential).toBe(true);
      const agent = agentOf(containers)!;
      expect(agent.Essential).toBe(false);
      expect(agent.Image).toBe(AGENT_IMAGE);
      // a version tag, never latest
      expect(AGENT_IMAGE).toMatch(/^public\.ecr\.aws\/cloudwatch-agent\/cloudwatch-agent:\d+\.\d+\.\d+b\d+$/);
      // small: a slice of the task
      expect(agent.Cpu).toBeLessThanOrEqual(128);
      expect(agent.Memory).toBeLessThanOrEqual(256);
      expect(agent.MemoryReservation).toBeLessThanOrEqual(128);
      expect(agent.LogConfiguration?.LogDriver).toBe('awslogs');
    }
  });

  it('scrapes localhost:9464/metrics (METRICS_PORT) every 30 s, labelled with the region and role, keeping only the published series', () => {
    for (const containers of taskContainers()) {
      const role = roleOf(containers);
      expect(env(containers[0]!).METRICS_PORT).toBe('9464');
      const prometheus = parseYaml(env(agentOf(containers)!).PROMETHEUS_CONFIG_CONTENT as string);
      expect(prometheus.global.scrape_interval).toBe('30s');
      expect(prometheus.scrape_configs).toHaveLength(1);
      const job = prometheus.scrape_configs[0];
      expect(job.job_name).toBe(`clearway-${role}`);
      expect(job.metrics_path).toBe('/metrics');
      expect(job.static_configs).toEqual([{ targets: ['localhost:9464'], labels: { Region: 'eu-west-1', Role: role } }]);
      expect(job.metric_relabel_configs).toHaveLength(1);
      const keep = job.metric_relabel_configs[0];
      expect(keep).toMatchObject({ source_labels: ['__name__'], action: 'keep' });
      const regex = new RegExp(`^(?:${keep.regex})$`);
      for (const name of published) expect(name).toMatch(regex);
      for (const other of [
        'clearway_payment_transitions_total',
        'clearway_build_info',
        'nodejs_eventloop_lag_seconds',
        'process_cpu_seconds_total',
      ])
        expect(other).not.toMatch(regex);
    }
  });

  it('publishes the selected series as EMF to namespace Clearway, with the dimensions Region and Role only', () => {
    for (const containers of taskContainers()) {
      const config = JSON.parse(env(agentOf(containers)!).CW_CONFIG_CONTENT as string);
      expect(config.agent.region).toBe('eu-west-1');
      const prometheus = config.logs.metrics_collected.prometheus;
      expect(prometheus.prometheus_config_path).toBe('env:PROMETHEUS_CONFIG_CONTENT');
      expect(prometheus.log_group_name).toBe('/clearway/eu-west-1/metrics');
      expect(prometheus.emf_processor.metric_namespace).toBe('Clearway');
      const declarations = prometheus.emf_processor.metric_declaration as MetricDeclaration[];
      expect(declarations.length).toBeGreaterThan(0);
      const selected = new Set<string>();
      for (const d of declarations) {
        for (const set of d.dimensions) for (const dim of set) expect(METRIC_DIMENSIONS).toContain(dim);
        expect(d.source_labels).toEqual(['job']);
        expect(`clearway-${roleOf(containers)}`).toMatch(new RegExp(d.label_matcher));
        for (const selector of d.metric_selectors) {
          expect(selector).toMatch(/^\^[a-z0-9_]+\$$/); // one exact name: the list stays explicit
          selected.add(selector.slice(1, -1));
        }
      }
      expect([...selected].sort()).toEqual(published);
      // the scrape labels are the dimensions; no id-like label could be one
      expect(JSON.stringify(declarations)).not.toMatch(/client|transaction|message|instance|uetr|id"/i);
    }
  });

  it('publishes only series the gateway documents (docs/operations.md, "Metrics")', () => {
    const doc = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    for (const name of published) expect(doc).toContain(name);
  });

  it('lets the agent write to the metrics log group, which is encrypted with the key', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/clearway/eu-west-1/metrics',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^TaskPolicy'),
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'MetricsLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Logsmetrics'), 'Arn'] },
          },
        ]),
      },
    });
  });

  const alarm = (name: string) => {
    const found = Object.values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `clearway-eu-west-1-${name}` } }));
    expect(found).toHaveLength(1);
    return found[0]!.Properties as Record<string, unknown> & { Dimensions: { Name: string; Value: string }[] };
  };

  it.each([
    ['GatewayDeadLetteredJobs', 'clearway_queue_dead_letter_jobs', 'Maximum', 60, 0, 2],
    ['GatewayOutcomeUnknown', 'clearway_payments_outcome_unknown', 'Maximum', 60, 0, 15],
    ['GatewaySlaTimeouts', 'clearway_sla_timeouts_total', 'Sum', 300, 0, 1],
    ['GatewayHostTimeouts', 'clearway_host_call_timeouts_total', 'Sum', 300, 0, 2],
    ['GatewayEventLoopLagP99', 'nodejs_eventloop_lag_p99_seconds', 'Maximum', 60, 0.5, 5],
  ])(
    'alarms %s on %s (%s over %i s > %d, %i periods), missing data not breaching',
    (name, metric, statistic, period, threshold, periods) => {
      const a = alarm(name);
      expect(a).toMatchObject({
        Namespace: 'Clearway',
        MetricName: metric,
        Statistic: statistic,
        Period: period,
        Threshold: threshold,
        EvaluationPeriods: periods,
        DatapointsToAlarm: periods,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: expect.stringMatching(/^Alarms/) }],
        OKActions: [{ Ref: expect.stringMatching(/^Alarms/) }],
      });
      expect(a.Dimensions).toEqual([{ Name: 'Region', Value: 'eu-west-1' }]);
      expect(published).toContain(metric);
    },
  );

  it('alarms when a role publishes no metrics (missing data breaching), per role', () => {
    for (const [name, role] of [
      ['ApiMetricsMissing', 'api'],
      ['WorkerMetricsMissing', 'worker'],
    ]) {
      const a = alarm(name!);
      expect(a).toMatchObject({
        Namespace: 'Clearway',
        MetricName: 'nodejs_eventloop_lag_p99_seconds',
        Statistic: 'SampleCount',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
      expect([...a.Dimensions].sort((x, y) => x.Name.localeCompare(y.Name))).toEqual([
        { Name: 'Region', Value: 'eu-west-1' },
        { Name: 'Role', Value: role },
      ]);
    }
    // no worker tasks, no worker alarm
    const none = synth({ workerDesiredCount: 0 }).template();
    expect(Object.values(none.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName as string)).not.toContain(
      'clearway-eu-west-1-WorkerMetricsMissing',
    );
  });

  it('shows the gateway metrics on the dashboard', () => {
    const body = JSON.stringify(Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    for (const name of published) expect(body).toContain(`\\"Clearway\\",\\"${name}\\"`);
    for (const name of ['GatewayOutcomeUnknown', 'ApiMetricsMissing']) expect(body).toContain(name);
  });
});
