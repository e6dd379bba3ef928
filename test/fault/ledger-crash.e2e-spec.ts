// SPDX-License-Identifier: Apache-2.0
/**
 * Core-mode ledger under crashes: payments on a few accounts while the gateway (MODE=core, ledger on) is
 * killed with SIGKILL several times and restarted on the same DATA_DIR. Afterwards every accepted payment is
 * terminal with the pacs.002 of its status, each balance is opening + credits - debits of exactly the ACSC
 * payments, and the journal in the database file holds two legs per settled payment and none for the others.
 */
import { pollUntilTerminal } from '../support/fault-checks.js';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { onTestServer } from '../support/postgres.js';
import { freePort, ON_POSTGRES, startGateway, storeProfile, tempDir, tokenFor, type NodeProcess } from '../support/processes.js';

const TOTAL = Number(process.env.LEDGER_CRASH_PAYMENTS ?? 600);
const KILLS = Number(process.env.LEDGER_CRASH_KILLS ?? 3);
const CONCURRENCY = 24;
const OPENING: Record<string, bigint> = {
  DE89370400440532013000: 40_000n,
  GB29NWBK60161331926819: 25_000n,
  FR1420041010050500013M02606: 10_000n,
};
const IDS = Object.keys(OPENING);

interface Sent {
  key: string;
  from: string;
  to: string;
  cents: bigint;
  accepted: boolean;
}

let gw: NodeProcess | null = null;
afterAll(async () => {
  await gw?.kill('SIGKILL');
});

const decimal = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
const minor = (value: string) => {
  const [whole, frac = ''] = value.split('.');
  return BigInt(whole!) * 100n + BigInt(frac.padEnd(2, '0'));
};

it(`settles each payment at most once, with balances exact, through ${KILLS} SIGKILLs`, async () => {
  const dataDir = tempDir('ledger-crash');
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    MODE: 'core',
    LEDGER_OPENING_BALANCES: JSON.stringify(Object.fromEntries(IDS.map((id) => [id, `${decimal(OPENING[id]!)} EUR`]))),
    RECOVERY_AFTER_SECONDS: '3',
    SWEEP_INTERVAL_MS: '500',
    JOB_VISIBILITY_MS: '2000',
  };
  gw = await startGateway(env, port);
  const url = gw.url;
  let token = await tokenFor(url, 'bank-a');

  const payments: Sent[] = Array.from({ length: TOTAL }, (_, i) => ({
    key: crypto.randomUUID(),
    from: IDS[i % IDS.length]!,
    to: IDS[(i + 1 + (Math.floor(i / IDS.length) % 2)) % IDS.length]!,
    cents: 100n + BigInt((i * 4111) % 9_900), // 1.00 to 99.99
    accepted: false,
  }));

  let restarting: Promise<void> | null = null;
  let kills = 0;
  async function killAndRestart(): Promise<void> {
    await gw!.kill('SIGKILL');
    kills++;
    await new Promise((r) => setTimeout(r, 100));
    gw = await startGateway(env, port);
    token = await tokenFor(url, 'bank-a');
  }

  async function send(p: Sent): Promise<void> {
    const body = buildPacs008({ debtorIban: p.from, creditorIban: p.to, amount: decimal(p.cents) });
    for (let attempt = 0; attempt < 200; attempt++) {
      if (restarting) await restarting.catch(() => {});
      try {
        const res = await fetch(`${url}/v1/inbox`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, 'x-transaction-id': p.key },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 202) {
          p.accepted = true;
          return;
        }
        if (res.status === 401) continue;
        throw new Error(`unexpected HTTP ${res.status}: ${await res.text()}`);
      } catch (e) {
        if ((e as Error).message.startsWith('unexpected')) throw e;
        await new Promise((r) => setTimeout(r, 100)); // the gateway is down: retry with the same key
      }
    }
    throw new Error(`payment ${p.key} never got an answer`);
  }

  const queue = [...payments];
  let sent = 0;
  const killEvery = Math.floor(TOTAL / (KILLS + 1));
  let nextKill = killEvery;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        await send(p);
        sent++;
        if (sent >= nextKill && kills < KILLS && !restarting) {
          nextKill += killEvery;
          restarting = killAndRestart().finally(() => (restarting = null));
        }
      }
    }),
  );
  if (restarting) await restarting;
  expect(kills).toBe(KILLS);
  expect(payments.filter((p) => p.accepted)).toHaveLength(TOTAL);

  // every payment ends; each with the pacs.002 of its own status
  const statuses = await pollUntilTerminal(
    url,
    token,
    payments.map((p) => p.key),
    240_000,
    300,
  );
  const outcomes = payments.map((p) => `${statuses.get(p.key)?.status} ${statuses.get(p.key)?.reason ?? ''}`.trim());
  expect([...new Set(outcomes)].sort()).toEqual(['ACSC', 'RJCT AM04']);
  const reportMismatches: string[] = [];
  for (let i = 0; i < payments.length; i += 50) {
    await Promise.all(
      payments.slice(i, i + 50).map(async (p) => {
        const res = await fetch(`${url}/v1/transactions/${p.key}/outbox`, { headers: { authorization: `Bearer ${token}` } });
        const xml = await res.text();
        const status = statuses.get(p.key)!.status;
        if (res.status !== 200 || !xml.includes(`<TxSts>${status}</TxSts>`)) reportMismatches.push(`${p.key} ${status} HTTP ${res.status}`);
      }),
    );
  }
  expect(reportMismatches).toEqual([]);

  const settled = payments.filter((p) => statuses.get(p.key)!.status === 'ACSC');
  expect(settled.length).toBeGreaterThan(0);
  expect(settled.length).toBeLessThan(TOTAL);
  const expected = { ...OPENING };
  for (const p of settled) {
    expected[p.from] = expected[p.from]! - p.cents;
    expected[p.to] = expected[p.to]! + p.cents;
  }
  const ops = await tokenFor(url, 'ledger-ops');
  const list = (await (await fetch(`${url}/v1/ledger/accounts`, { headers: { authorization: `Bearer ${ops}` } })).json()) as {
    items: { id: string; balance: string }[];
  };
  const balances = Object.fromEntries(list.items.map((a) => [a.id, minor(a.balance)]));
  expect(balances).toEqual(expected);
  expect(Object.values(balances).every((b) => b >= 0n)).toBe(true);

  // the journal in the store: two legs per settled payment, none for a refused one, balance = SUM(delta)
  await gw.kill('SIGTERM');
  gw = null;
  const journal = await readJournal(env);
  expect(journal.legs.filter((l) => l.n !== 2 || l.net !== 0n)).toEqual([]);
  expect(new Set(journal.legs.map((l) => l.tx))).toEqual(new Set(settled.map((p) => p.key)));
  expect(journal.sums).toEqual(expected);
}, 600_000);

const LEGS = `SELECT transaction_id AS tx, COUNT(*) AS n, SUM(delta) AS net FROM ledger_postings WHERE kind = 'settlement' GROUP BY transaction_id`;
const SUMS = 'SELECT account_id AS id, SUM(delta) AS total FROM ledger_postings GROUP BY account_id';

/** The ledger journal as stored: the SQLite file in DATA_DIR, or the schema on PostgreSQL (TEST_STORE=postgres). */
async function readJournal(
  env: Record<string, string>,
): Promise<{ legs: { tx: string; n: number; net: bigint }[]; sums: Record<string, bigint> }> {
  if (ON_POSTGRES) {
    const schema = storeProfile(env).DATABASE_SCHEMA!;
    const legs = await onTestServer<{ tx: string; n: string; net: string }>(
      LEGS.replaceAll('ledger_postings', `${schema}.ledger_postings`),
    );
    const sums = await onTestServer<{ id: string; total: string }>(SUMS.replaceAll('ledger_postings', `${schema}.ledger_postings`));
    return {
      legs: legs.rows.map((r) => ({ tx: r.tx, n: Number(r.n), net: BigInt(r.net) })),
      sums: Object.fromEntries(sums.rows.map((r) => [r.id, BigInt(r.total)])),
    };
  }
  const db = new DatabaseSync(join(env.DATA_DIR!, 'clearway.db'), { readOnly: true });
  try {
    const legs = db.prepare(LEGS);
    legs.setReadBigInts(true);
    const sums = db.prepare(SUMS);
    sums.setReadBigInts(true);
    return {
      legs: (legs.all() as { tx: string; n: bigint; net: bigint }[]).map((r) => ({ tx: r.tx, n: Number(r.n), net: r.net })),
      sums: Object.fromEntries((sums.all() as { id: string; total: bigint }[]).map((r) => [r.id, r.total])),
    };
  } finally {
    db.close();
  }
}
