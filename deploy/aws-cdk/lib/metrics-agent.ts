// SPDX-License-Identifier: Apache-2.0
/**
 * The CloudWatch agent sidecar that ships the gateway's own Prometheus metrics to CloudWatch.
 *
 * Each task (api and worker) runs the agent beside the gateway. It scrapes `http://localhost:<METRICS_PORT>/metrics`
 * (the task's containers share one network namespace on Fargate, awsvpc) every 30 s and writes the selected series
 * as CloudWatch embedded metric format (EMF) log events to the region's metrics log group; CloudWatch extracts them
 * into the namespace `Clearway`. The agent reads its own configuration from `CW_CONFIG_CONTENT` and, because
 * `prometheus_config_path` is `env:PROMETHEUS_CONFIG_CONTENT`, the Prometheus scrape configuration from that variable
 * (the agent's documented way on ECS, where the two usually come from SSM parameters as container secrets; here they
 * are plain environment values: they hold no secret, and keeping them in the task definition keeps them versioned
 * with it).
 *
 * Only the series below are published, with the dimensions `Region` and `Role` only (two bounded values each,
 * labels the scrape configuration adds). Every other label (a reason code, an outcome) stays a field of the log
 * event: the datapoints of one series are aggregated by CloudWatch. No transaction, client or message id is ever a
 * label of the gateway (docs/operations.md, "Metrics"), let alone a dimension here.
 *
 * The agent drops Prometheus histograms (it converts counters, gauges and summaries only; "Prometheus metric type
 * conversion by the CloudWatch agent"), so the latency histograms and the host-call outcome histogram cannot be
 * published by it: the host alarm watches `clearway_host_call_timeouts_total`, and the ALB's p99 stays the
 * latency alarm.
 */

/**
 * The agent image, pinned. 1.300062.0b1304 is a published tag of the official image (gallery.ecr.aws/cloudwatch-agent);
 * the digest could not be looked up when this was written, so the tag is pinned, not the digest: pin
 * `@sha256:…` too when you mirror the image, and move the tag deliberately.
 */
export const AGENT_IMAGE = 'public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300062.0b1304';

/** The CloudWatch namespace of the gateway's metrics. */
export const METRICS_NAMESPACE = 'Clearway';

/** The CloudWatch dimensions of every published series: both bounded (one region per stack, two roles). */
export const METRIC_DIMENSIONS = ['Region', 'Role'] as const;

/** How often the agent scrapes the gateway. */
export const SCRAPE_INTERVAL_SECONDS = 30;

/**
 * The series published to CloudWatch, and why. Counters arrive as the delta between two scrapes (the agent's
 * conversion), so their `Sum` over a period is the increase in that period.
 */
export const PUBLISHED_SERIES = {
  // alarms
  clearway_queue_dead_letter_jobs: 'gauge: dead-lettered jobs (alarm GatewayDeadLetteredJobs)',
  clearway_payments_outcome_unknown: 'gauge: PDNG payments under investigation (alarm GatewayOutcomeUnknown)',
  clearway_sla_timeouts_total: 'counter: payments the SLA sweeper ended (alarm GatewaySlaTimeouts)',
  clearway_host_call_timeouts_total: 'counter: HTTP host attempts with no answer in time (alarm GatewayHostTimeouts)',
  nodejs_eventloop_lag_p99_seconds: 'gauge: event-loop lag p99 (alarm GatewayEventLoopLagP99; its sample count: <Role>MetricsMissing)',
  // dashboard
  clearway_queue_waiting_jobs: 'gauge: jobs waiting for a worker',
  clearway_queue_oldest_due_seconds: 'gauge (api): how long the oldest due job has waited',
  clearway_admission_open: 'gauge (api): 1 while the process takes new payments, 0 while it refuses them',
  clearway_admission_refused_total: 'counter (api): submissions refused by admission control',
} as const;

export type PublishedSeries = keyof typeof PUBLISHED_SERIES;

/** The Prometheus scrape job of a role (also the agent's log stream for it). */
export const scrapeJob = (role: 'api' | 'worker'): string => `clearway-${role}`;

/**
 * The Prometheus scrape configuration (PROMETHEUS_CONFIG_CONTENT). Written as JSON, which is YAML: no
 * indentation to get wrong. The relabelling keeps only the published series, so nothing else is written to the
 * log group either.
 */
export function prometheusConfig(o: { region: string; role: 'api' | 'worker'; metricsPort: number }): string {
  const names = Object.keys(PUBLISHED_SERIES);
  return JSON.stringify({
    global: { scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`, scrape_timeout: '10s' },
    scrape_configs: [
      {
        job_name: scrapeJob(o.role),
        metrics_path: '/metrics',
        static_configs: [{ targets: [`localhost:${o.metricsPort}`], labels: { Region: o.region, Role: o.role } }],
        metric_relabel_configs: [{ source_labels: ['__name__'], regex: `(${names.join('|')})`, action: 'keep' }],
      },
    ],
  });
}

/** The agent's configuration (CW_CONFIG_CONTENT): Prometheus in, EMF to the metrics log group out. */
export function agentConfig(o: { region: string; logGroupName: string }): string {
  const names = Object.keys(PUBLISHED_SERIES);
  return JSON.stringify({
    agent: { region: o.region },
    logs: {
      metrics_collected: {
        prometheus: {
          log_group_name: o.logGroupName,
          prometheus_config_path: 'env:PROMETHEUS_CONFIG_CONTENT',
          emf_processor: {
            metric_namespace: METRICS_NAMESPACE,
            metric_declaration_dedup: true,
            metric_declaration: [
              {
                source_labels: ['job'],
                label_matcher: '^clearway-(api|worker)$', // the jobs of scrapeJob()
                // per region (the alarms: max or sum over every task) and per region and role (the dashboard)
                dimensions: [['Region'], ['Region', 'Role']],
                metric_selectors: names.map((n) => `^${n}$`),
              },
            ],
          },
        },
      },
      force_flush_interval: 5,
    },
  });
}
