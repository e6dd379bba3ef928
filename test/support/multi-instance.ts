// SPDX-License-Identifier: Apache-2.0
/**
 * Many instances, one truth (the scenario of the multi-instance fault tests, on DynamoDB + SQS and on PostgreSQL):
 * three gateway processes with the same configuration (ROLE=all) share one store and move TOTAL payments through
 * the simulator. Clients spread their calls over the three; one instance is killed with SIGKILL midway and its
 * clients move to the others. Afterwards every accepted payment is terminal with the outcome the host recorded, the
 * host decided each payment once (`/stats`: unique == count), and the payments the killed instance had taken but
 * not finished were finished by the survivors.
 */
import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import { hostMismatches, hostStats } from './fault-checks.js';
import { buildPacs008 } from './pacs008.factory.js';
import { startGateway, tokenFor, type NodeProcess } from './processes.js';

const CONCURRENCY = 30;
const TERMINAL = ['ACSC', 'RJCT', 'CANC'];

interface Sent {
  key: string;
  uetr: string;
  reject: boolean;
  accepted: boolean;
  /** Index of the instance that answered 202. */
  by: number;
}

export interface MultiInstanceRun {
  /** The store, for the summary line (`DynamoDB + SQS`, `PostgreSQL`). */
  label: string;
  total: number;
  sim: NodeProcess;
  /** The environment of instance i (the shared store's settings, its own DATA_DIR). */
  envOf: (i: number) => Record<string, string>;
  /** What each instance's /health/ready must report up. */
  readyKeys: string[];
  /** The gateways started (the caller kills what is left in afterAll). */
  gateways: NodeProcess[];
  /** True once the test is over (a timeout): the client loops stop. */
  over: () => boolean;
  /** Marks a phase in the summary line. */
  phase: (name: string) => void;
  phases: string[];
}

export async function runMultiInstance(r: MultiInstanceRun): Promise<void> {
  const { total: TOTAL, sim, gateways, phase, phases } = r;
  const run = randomUUID().slice(0, 8);
  // All three start together on an empty secret store: the token-signing key is created only if absent, so they
  // agree on one key (the token of the first is used against all three below).
  gateways.push(...(await Promise.all([0, 1, 2].map((i) => startGateway(r.envOf(i))))));
  for (const g of gateways) {
    const ready = await fetch(`${g.url}/health/ready`);
    const body = (await ready.json()) as { status: string; info: Record<string, unknown> };
    expect(ready.status).toBe(200);
    expect(Object.keys(body.info)).toEqual(expect.arrayContaining(r.readyKeys));
  }
  const jwks = await Promise.all(gateways.map(async (g) => JSON.stringify(await (await fetch(`${g.url}/.well-known/jwks.json`)).json())));
  expect(new Set(jwks).size).toBe(1);
  const token = await tokenFor(gateways[0]!.url, 'bank-a');
  phase('gateways');

  const payments: Sent[] = Array.from({ length: TOTAL }, (_, i) => ({
    key: randomUUID(),
    uetr: randomUUID(),
    reject: i % 10 === 0,
    accepted: false,
    by: -1,
  }));
  const bodyOf = (p: Sent, i: number) =>
    buildPacs008({
      uetr: p.uetr,
      msgId: `MULTI-${run}-${i}`,
      endToEndId: `E2E-${i}`,
      ...(p.reject ? { creditorAccountOther: `ACC${String(i).padStart(6, '0')}9999` } : {}),
    });

  const VICTIM = 1;
  let killed = false;
  const alive = () => gateways.filter((_g, i) => !(killed && i === VICTIM));

  async function send(p: Sent, i: number): Promise<void> {
    const body = bodyOf(p, i);
    for (let attempt = 0; attempt < 100; attempt++) {
      if (r.over()) throw new Error('test over');
      // round robin over the instances; after the kill, over the survivors (the client fails over)
      const n = killed ? [0, 2][(i + attempt) % 2]! : (i + attempt) % 3;
      try {
        const res = await fetch(`${gateways[n]!.url}/v1/inbox`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, 'x-transaction-id': p.key },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status === 202) {
          p.accepted = true;
          p.by = n;
          return;
        }
        throw new Error(`unexpected HTTP ${res.status} from instance ${n}: ${await res.text()}`);
      } catch (e) {
        if ((e as Error).message.startsWith('unexpected')) throw e;
        await new Promise((r) => setTimeout(r, 50)); // the instance died under this call: try another
      }
    }
    throw new Error(`payment ${p.key} never got an answer`);
  }

  async function statusOf(p: Sent): Promise<{ status: string; reason: string | null }> {
    const g = alive()[p.key.charCodeAt(0) % alive().length]!;
    const res = await fetch(`${g.url}/v1/transactions/${p.key}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const tx = (await res.json()) as { status: string; reason: { code: string } | null };
    return { status: tx.status, reason: tx.reason?.code ?? null };
  }
  const statuses = new Map<string, { status: string; reason: string | null }>();
  async function notTerminal(list: Sent[]): Promise<Sent[]> {
    const open: Sent[] = [];
    for (let i = 0; i < list.length; i += 50) {
      await Promise.all(
        list.slice(i, i + 50).map(async (p) => {
          const s = await statusOf(p);
          statuses.set(p.key, s);
          if (!TERMINAL.includes(s.status)) open.push(p);
        }),
      );
    }
    return open;
  }

  // Kill the victim midway, while calls to it are in flight, and note what it had taken but not finished.
  let unfinishedAtKill: Sent[] = [];
  let sentCount = 0;
  const queue = payments.map((p, i) => [p, i] as const);
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      await send(item[0], item[1]);
      sentCount++;
      if (!killed && sentCount >= TOTAL / 2) {
        killed = true;
        await gateways[VICTIM]!.kill('SIGKILL');
        phase('killed');
        unfinishedAtKill = await notTerminal(payments.filter((p) => p.by === VICTIM));
      }
    }
  });
  await Promise.all(workers);
  phase('submitted');
  expect(killed).toBe(true);
  expect(payments.filter((p) => !p.accepted)).toEqual([]);
  // The victim had work in progress when it died (else this test would show nothing about taking over).
  expect(unfinishedAtKill.length).toBeGreaterThan(0);

  // Wait until the host has seen every payment (one cheap call), then until every accepted payment is
  // terminal: the survivors take over the victim's jobs once their visibility timeout ends, and the
  // outbox relay sends the jobs it committed but never handed to the queue.
  const deadline = Date.now() + 400_000;
  while (Date.now() < deadline && !r.over()) {
    const seen = (await (await fetch(`${sim.url}/stats`)).json()) as { unique: number };
    if (seen.unique >= TOTAL) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  phase('host saw all');
  let pending = await notTerminal(payments);
  while (pending.length > 0 && Date.now() < deadline && !r.over()) {
    await new Promise((r) => setTimeout(r, 500));
    pending = await notTerminal(pending);
  }
  phase('terminal');
  expect(pending.map((p) => `${p.key}:${statuses.get(p.key)?.status}`)).toEqual([]);
  // ... including everything the victim had left unfinished
  expect(unfinishedAtKill.filter((p) => !TERMINAL.includes(statuses.get(p.key)!.status))).toEqual([]);

  // Each status equals what the host recorded, and the expected outcome.
  const mismatches = await hostMismatches(sim.url, payments, statuses);
  expect(mismatches).toEqual([]);

  // The host decided each payment once.
  const stats = await hostStats(sim.url);
  expect(stats.unique).toBe(TOTAL);
  expect(stats.accepted + stats.rejected).toBe(TOTAL);
  expect(stats.rejected).toBe(payments.filter((p) => p.reject).length);
  const byInstance = [0, 1, 2].map((n) => payments.filter((p) => p.by === n).length);
  console.log(
    `multi-instance (${r.label}): ${TOTAL} payments taken by instances ${byInstance.join('/')}, ` +
      `${unfinishedAtKill.length} unfinished on the killed one were finished by the survivors; ` +
      `host redeliveries absorbed as duplicates: ${stats.duplicates}; ${phases.join(', ')}`,
  );
}
