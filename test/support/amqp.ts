// SPDX-License-Identifier: Apache-2.0
/** RabbitMQ helpers for the MQ end-to-end and fault suites: a per-run queue prefix, rabbitmqctl, clean-up. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect } from 'amqplib';

const run = promisify(execFile);

export const AMQP_URL = process.env.AMQP_URL || 'amqp://127.0.0.1:5672';

/** Queue and exchange names unique to one test run, as the gateway's and simulator's environment. */
export function amqpNames(label: string) {
  const prefix = `cwtest.${label}.${randomBytes(4).toString('hex')}`;
  const names = {
    prefix,
    requestQueue: `${prefix}.host.requests`,
    replyQueue: `${prefix}.host.replies`,
    inboundQueue: `${prefix}.inbox.pacs.008`,
    outboundQueue: `${prefix}.outbox.pacs.002`,
    deadLetterExchange: `${prefix}.dlx`,
  };
  const env = {
    AMQP_URL,
    AMQP_REQUEST_QUEUE: names.requestQueue,
    AMQP_REPLY_QUEUE: names.replyQueue,
    INBOUND_QUEUE: names.inboundQueue,
    OUTBOUND_QUEUE: names.outboundQueue,
    AMQP_DLX: names.deadLetterExchange,
  };
  return { ...names, env };
}

/** Runs rabbitmqctl (the broker's own CLI: works without the management plugin). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 60_000 });
  return stdout;
}

export interface QueueDepth {
  name: string;
  ready: number;
  unacked: number;
}

/** Ready and unacknowledged messages of every queue whose name starts with `prefix`, from rabbitmqctl. */
export async function queueDepths(prefix: string): Promise<QueueDepth[]> {
  const out = await rabbitmqctl('list_queues', '-q', '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged');
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3 && f[0]!.startsWith(prefix))
    .map(([name, ready, unacked]) => ({ name: name!, ready: Number(ready), unacked: Number(unacked) }));
}

/** Deletes the run's queues and dead-letter exchange. */
export async function deleteTopology(names: { prefix: string; deadLetterExchange: string }): Promise<void> {
  const conn = await connect(AMQP_URL);
  try {
    const ch = await conn.createChannel();
    for (const q of await queueDepths(names.prefix)) await ch.deleteQueue(q.name);
    await ch.deleteExchange(names.deadLetterExchange);
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** True when a broker answers on AMQP_URL. */
export async function brokerAnswers(): Promise<boolean> {
  try {
    const conn = await connect(AMQP_URL);
    await conn.close();
    return true;
  } catch {
    return false;
  }
}
