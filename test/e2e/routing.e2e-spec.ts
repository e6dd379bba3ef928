// SPDX-License-Identifier: Apache-2.0
/**
 * Routing among several downstreams (issue 14), end to end: the built gateway with a ROUTING_FILE naming three
 * simulated hosts (one simulator process playing rtgs, instant and wallet on their own ports). Rules send payments
 * to each; one host goes down (connections refused) and its traffic fails over before delivery; its circuit opens,
 * half-opens and traffic returns; a cut-off closes one; a payment no connector takes is rejected with an ISO
 * reason or held; an unknown outcome stays with its connector. The hosts' own counts show nothing delivered twice.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { amqpNames, deleteTopology } from '../support/amqp.js';
import { merchantQr } from '../support/emvco-qr.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import {
  startGateway,
  startSimulator,
  tempDir,
  tokenFor,
  waitForTerminal,
  type NodeProcess,
  type TransactionJson,
} from '../support/processes.js';
import { startSimulatedHosts, type SimulatedHosts } from '../support/simulated-hosts.js';

interface RouteJson {
  connector: string | null;
  rule: string | null;
  strategy: string;
  candidates: string[];
  refused: { connector: string; code: string; reason: string }[];
  delivery: 'started' | 'not-started';
  failovers: { from: string | null; to: string; code: string; reason: string }[];
}
type Tx = TransactionJson & { route?: RouteJson; history: { status: string; connector?: string }[]; hold: unknown };

/** An IANA zone where it is now between 02:00 and 22:00, so a 00:00-01:00 window is closed for the whole test. */
function zonePastItsCutOff(): string {
  for (let offset = -12; offset <= 14; offset++) {
    const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
    if (hour >= 2 && hour <= 21) return zone;
  }
  throw new Error('no zone found');
}

const OPEN_MS = 3_000;
const mq = amqpNames('routing');
let hosts: SimulatedHosts;
/** A fourth downstream: an RTGS host over MQ (the simulator on its own request queue). */
let mqHost: NodeProcess;
let gw: NodeProcess;
let token: string;
let operator: string;
const accepted: string[] = [];

async function submit(xml: string): Promise<string> {
  const res = await fetch(`${gw.url}/v1/inbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
    body: xml,
  });
  if (res.status !== 202) throw new Error(`submit: HTTP ${res.status} ${await res.text()}`);
  const id = ((await res.json()) as { transactionId: string }).transactionId;
  accepted.push(id);
  return id;
}

async function read(id: string): Promise<Tx> {
  return (await (await fetch(`${gw.url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Tx;
}

async function settle(xml: string): Promise<Tx> {
  const id = await submit(xml);
  await waitForTerminal(gw.url, token, id, 30_000);
  return read(id);
}

async function waitFor(id: string, done: (t: Tx) => boolean, timeoutMs = 20_000): Promise<Tx> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await read(id);
    if (done(t)) return t;
    if (Date.now() > deadline) throw new Error(`transaction ${id} did not get there: ${JSON.stringify(t.route)} ${t.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function routes(): Promise<{
  connectors: { id: string; circuit: { state: string }; hours: { open: boolean } | null; recent: { failures: number } }[];
}> {
  const res = await fetch(`${gw.url}/v1/routes`, { headers: { authorization: `Bearer ${operator}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

const eur = (amount: string, extra: Parameters<typeof buildPacs008>[0] = {}) =>
  buildPacs008({ uetr: randomUUID(), msgId: `RT-${randomUUID().slice(0, 12)}`, amount, currency: 'EUR', ...extra });

beforeAll(async () => {
  hosts = await startSimulatedHosts(['rtgs', 'instant', 'wallet']);
  const mqRequests = `${mq.prefix}.rtgs-mq.requests`;
  mqHost = await startSimulator({
    HOST_TRANSPORT: 'amqp',
    AMQP_URL: mq.env.AMQP_URL,
    AMQP_REQUEST_QUEUE: mqRequests,
    AMQP_DLX: mq.deadLetterExchange,
  });
  const dir = tempDir('routing');
  const file = join(dir, 'routing.json');
  const circuit = { failureThreshold: 2, openMs: OPEN_MS, halfOpenProbes: 1 };
  writeFileSync(
    file,
    JSON.stringify({
      connectors: [
        { id: 'rtgs', transport: 'http', url: hosts.url('rtgs'), currencies: ['EUR'], messageVersions: ['pacs.008.001.08'], circuit },
        // instant takes the newest generation only: payments that came as .08 are converted on the way
        {
          id: 'instant',
          transport: 'http',
          url: hosts.url('instant'),
          currencies: ['EUR'],
          maxAmount: '1000',
          messageVersions: ['pacs.008.001.12'],
          circuit,
        },
        { id: 'wallet', transport: 'http', url: hosts.url('wallet'), currencies: ['EUR'], circuit },
        { id: 'rtgs-mq', transport: 'amqp', requestQueue: mqRequests, currencies: ['EUR'] },
        // the same wallet network's evening window: past its cut-off all through the test
        {
          id: 'wallet-evening',
          transport: 'http',
          url: hosts.url('wallet'),
          currencies: ['EUR'],
          hours: { timeZone: zonePastItsCutOff(), open: '00:00', cutOff: '01:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] },
        },
      ],
      rules: [
        { id: 'large', match: { amount: { min: '1000.01' } }, route: ['rtgs'] },
        { id: 'wallets', match: { creditorAgentBic: ['WALT'] }, route: ['wallet'] },
        { id: 'evening', match: { creditorAgentBic: ['EVEN'] }, route: ['wallet-evening', 'rtgs'] },
        { id: 'yen', match: { currency: ['JPY'] }, route: ['rtgs'], onNoRoute: 'hold' },
        { id: 'over-mq', match: { creditorAgentBic: ['MQRT'] }, route: ['rtgs-mq'] },
        // QR payments to the wallet network; JSON instant payments to the instant scheme
        { id: 'qr', match: { channel: ['qr'] }, route: ['wallet', 'rtgs'] },
        { id: 'json-instant', match: { channel: ['json'], localInstrument: ['INST'] }, route: ['instant', 'rtgs'] },
      ],
      default: ['instant', 'rtgs'],
    }),
  );
  const merchants = join(dir, 'merchants.yaml');
  writeFileSync(
    merchants,
    [
      'merchants:',
      '  - guid: com.example.pay',
      '    merchantId: M-1001',
      '    creditor:',
      '      name: Cafe Kranz GmbH',
      '      account: DE44500105175407324931',
      '      agent: INGDDEFF',
      '      country: DE',
      '',
    ].join('\n'),
  );
  gw = await startGateway({
    ...mq.env,
    MQ_CLIENT_ID: 'bank-a',
    MERCHANT_DIRECTORY_FILE: merchants,
    CHANNEL_DEBTOR_AGENT_BIC: 'CLWYDEFFXXX',
    DATA_DIR: dir,
    ROUTING_FILE: file,
    HOST_ATTEMPTS: '1',
    HOST_TIMEOUT_MS: '2000',
    SWEEP_INTERVAL_MS: '200',
    RECOVERY_AFTER_SECONDS: '2',
  });
  token = await tokenFor(gw.url, 'bank-a');
  operator = await tokenFor(gw.url, 'operator');
}, 90_000);

afterAll(async () => {
  await gw?.kill();
  await hosts?.close();
  await mqHost?.kill();
  await deleteTopology(mq).catch(() => undefined);
});

describe('rules send payments to each downstream', () => {
  it('small euro payments to instant (converted to pacs.008.001.12), large ones to rtgs, WALT creditors to the wallet', async () => {
    const small = await settle(eur('25.00'));
    expect(small.status).toBe('ACSC');
    expect(small.route).toMatchObject({
      connector: 'instant',
      rule: null,
      strategy: 'default',
      candidates: ['instant', 'rtgs'],
      failovers: [],
    });
    expect(small.history.find((h) => h.status === 'ACSP')?.connector).toBe('instant');

    const large = await settle(eur('250000.00'));
    expect(large.route).toMatchObject({ connector: 'rtgs', rule: 'large', candidates: ['rtgs'] });
    expect(large.status).toBe('ACSC');

    const wallet = await settle(eur('12.50', { creditorBic: 'WALTNL2A' }));
    expect(wallet.route).toMatchObject({ connector: 'wallet', rule: 'wallets' });
    expect(wallet.status).toBe('ACSC');

    expect((await hosts.payments('instant')).map((p) => p.uetr)).toContain(small.uetr);
    expect((await hosts.payments('rtgs')).map((p) => p.uetr)).toContain(large.uetr);
    expect((await hosts.payments('wallet')).map((p) => p.uetr)).toContain(wallet.uetr);
  });

  it('an AMQP connector: the RTGS host over MQ takes MQRT payments on its own request queue and answers on the reply queue', async () => {
    const t = await settle(eur('900.00', { creditorBic: 'MQRTBEBB', creditorIban: 'BE68539007547034' }));
    expect(t.status).toBe('ACSC');
    expect(t.route).toMatchObject({ connector: 'rtgs-mq', rule: 'over-mq' });
    const recorded = (await (await fetch(`${mqHost.url}/v1/payments/${t.uetr}`)).json()) as { status: string; deliveries: number };
    expect(recorded).toMatchObject({ status: 'ACSC', deliveries: 1 });
  });

  it('rejects what no connector takes with an ISO reason naming each, and holds what its rule says to hold', async () => {
    const usd = await settle(buildPacs008({ uetr: randomUUID(), amount: '10.00', currency: 'USD' }));
    expect(usd.status).toBe('RJCT');
    expect(usd.reason?.code).toBe('AM03');
    expect(usd.reason?.text).toMatch(/instant takes EUR, not USD; rtgs takes EUR, not USD/);
    expect(usd.route?.refused.map((r) => [r.connector, r.code])).toEqual([
      ['instant', 'CURRENCY'],
      ['rtgs', 'CURRENCY'],
    ]);
    const yenId = await submit(buildPacs008({ uetr: randomUUID(), amount: '1000', currency: 'JPY' }));
    const yen = await waitFor(yenId, (t) => t.status !== 'RCVD');
    expect(yen.status).toBe('PDNG');
    expect(yen.hold).toMatchObject({ rule: 'yen' });
  });
});

async function postJson(path: string, body: unknown): Promise<string> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  const id = ((await res.json()) as { transactionId: string }).transactionId;
  accepted.push(id);
  return id;
}

describe('channels beyond ISO 20022 XML, routed like any payment', () => {
  it('a QR payment goes to the wallet network and settles there', async () => {
    const id = await postJson('/v1/qr-payments', {
      payload: merchantQr('M-1001', '7.80'),
      payer: { name: 'Alice Wallet', account: 'DE89370400440532013000' },
    });
    await waitForTerminal(gw.url, token, id, 30_000);
    const t = await read(id);
    expect(t).toMatchObject({ status: 'ACSC', channel: 'qr', route: { connector: 'wallet', rule: 'qr' } });
    expect((await hosts.payments('wallet')).map((p) => p.uetr)).toContain(t.uetr);
  });

  it('a JSON instant payment goes to the instant scheme and settles there', async () => {
    const id = await postJson('/v1/payments', {
      debtor: { name: 'Alice Wallet', account: 'DE89370400440532013000', country: 'DE' },
      creditor: { name: 'Shop SARL', account: 'FR1420041010050500013M02606', agent: 'BNPAFRPP', country: 'FR' },
      amount: { value: '19.99', currency: 'EUR' },
      remittance: 'order 77',
      serviceLevel: 'SEPA',
      localInstrument: 'INST',
    });
    await waitForTerminal(gw.url, token, id, 30_000);
    const t = await read(id);
    expect(t).toMatchObject({ status: 'ACSC', channel: 'json', route: { connector: 'instant', rule: 'json-instant' } });
    expect((await hosts.payments('instant')).map((p) => p.uetr)).toContain(t.uetr);
  });
});

describe('failover before delivery', () => {
  it('a cut-off closes wallet-evening: its payments go to the fallback, the move recorded as CLOSED', async () => {
    const t = await settle(eur('40.00', { creditorBic: 'EVENNL2A' }));
    expect(t.status).toBe('ACSC');
    expect(t.route).toMatchObject({ connector: 'rtgs', rule: 'evening', candidates: ['wallet-evening', 'rtgs'] });
    expect(t.route?.failovers).toEqual([expect.objectContaining({ from: 'wallet-evening', to: 'rtgs', code: 'CLOSED' })]);
    const view = await routes();
    expect(view.connectors.find((c) => c.id === 'wallet-evening')?.hours).toMatchObject({ open: false });
  });

  it('instant goes down: its payments fail over to rtgs (refused connections), its circuit opens; it comes back and the half-open probe returns traffic to it', async () => {
    await hosts.stop('instant');
    const moved: Tx[] = [];
    for (let i = 0; i < 4; i++) moved.push(await settle(eur(`${30 + i}.00`)));
    for (const t of moved) {
      expect(t.status).toBe('ACSC');
      expect(t.route?.connector).toBe('rtgs');
      expect(t.route?.failovers).toHaveLength(1);
      expect(t.route?.failovers[0]).toMatchObject({ from: 'instant', to: 'rtgs' });
    }
    const codes = moved.map((t) => t.route!.failovers[0]!.code);
    // the first ones found it unreachable; after two failures its circuit is open and it is not even tried
    expect(codes.slice(0, 2)).toEqual(['UNREACHABLE', 'UNREACHABLE']);
    expect(codes.slice(2)).toEqual(['CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
    expect((await routes()).connectors.find((c) => c.id === 'instant')?.circuit.state).toBe('open');
    // history: released to instant, then moved to rtgs
    expect(moved[0]!.history.filter((h) => h.status === 'ACSP').map((h) => h.connector)).toEqual(['instant', 'rtgs']);

    await hosts.start('instant');
    await new Promise((r) => setTimeout(r, OPEN_MS + 200));
    const back = await settle(eur('35.00'));
    expect(back.route).toMatchObject({ connector: 'instant', failovers: [] });
    expect((await routes()).connectors.find((c) => c.id === 'instant')?.circuit.state).toBe('closed');
    const after = await settle(eur('36.00'));
    expect(after.route?.connector).toBe('instant');
  });

  it('an unknown outcome (the answer lost) never fails over: the payment stays with its connector and settles there once', async () => {
    await hosts.faults('instant', { dropAnswers: 1 });
    const id = await submit(eur('45.00'));
    const t = await waitFor(id, (x) => x.status === 'ACSC', 30_000);
    expect(t.route).toMatchObject({ connector: 'instant', failovers: [] });
    const atInstant = (await hosts.payments('instant')).find((p) => p.uetr === t.uetr);
    expect(atInstant).toMatchObject({ status: 'ACSC' });
    expect(atInstant!.deliveries).toBeGreaterThanOrEqual(2);
    expect((await hosts.payments('rtgs')).map((p) => p.uetr)).not.toContain(t.uetr);
  });
});

describe('the operator view', () => {
  it('GET /v1/routes lists the connectors with their circuit, hours and recent calls; clients cannot read it', async () => {
    const view = await routes();
    expect(view.connectors.map((c) => c.id)).toEqual(['rtgs', 'instant', 'wallet', 'rtgs-mq', 'wallet-evening']);
    expect(view.connectors.find((c) => c.id === 'rtgs')?.recent.failures).toBe(0);
    expect(view.connectors.find((c) => c.id === 'instant')?.recent.failures).toBeGreaterThan(0);
    const res = await fetch(`${gw.url}/v1/routes`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
  });

  it('POST /v1/routes/evaluate explains a decision and stores nothing', async () => {
    const uetr = randomUUID();
    const res = await fetch(`${gw.url}/v1/routes/evaluate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/xml' },
      body: buildPacs008({ uetr, amount: '10.00', currency: 'USD' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      decision: { connector: string | null; refused: unknown[] };
      noRoute: { code: string } | null;
      facts: { currency?: string; amount: unknown };
    };
    expect(body.decision.connector).toBeNull();
    expect(body.decision.refused).toHaveLength(2);
    expect(body.noRoute).toMatchObject({ code: 'AM03' });
    const ok = await fetch(`${gw.url}/v1/routes/evaluate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/xml' },
      body: buildPacs008({ uetr: randomUUID(), amount: '5000.00', currency: 'EUR' }),
    });
    expect(await ok.json()).toMatchObject({ decision: { connector: 'rtgs', rule: 'large' }, now: { connector: 'rtgs', skipped: [] } });
    // nothing stored: the UETR is unknown to the operator lookup
    const found = await fetch(`${gw.url}/v1/operator/payments?uetr=${uetr}`, { headers: { authorization: `Bearer ${operator}` } });
    expect(((await found.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('counts decisions, failovers and unroutable payments in the metrics', async () => {
    const monitor = await tokenFor(gw.url, 'monitor');
    const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${monitor}` } })).text();
    expect(text).toMatch(/clearway_routing_decisions_total\{connector="instant",rule="default"\} [1-9]/);
    expect(text).toMatch(/clearway_routing_failovers_total\{from="instant",to="rtgs",reason="CIRCUIT_OPEN"\} [1-9]/);
    expect(text).toMatch(/clearway_routing_unroutable_total\{reason="AM03"\} [1-9]/);
    expect(text).toMatch(/clearway_connector_circuit_changes_total\{connector="instant",state="open"\} [1-9]/);
  });
});

describe('nothing delivered twice', () => {
  it("the hosts' own records: every settled payment settled at exactly one host, and each host decided each payment once", async () => {
    expect(await hosts.settledTwice()).toEqual([]);
    const settled = new Set<string>();
    for (const id of accepted) {
      const t = await read(id);
      if (t.status === 'ACSC') settled.add(t.uetr!);
    }
    const atHosts = (await Promise.all(hosts.names.map((n) => hosts.payments(n, 'ACSC')))).flat().map((p) => p.uetr!);
    // the MQ host's one payment
    const mqStats = (await (await fetch(`${mqHost.url}/stats`)).json()) as { unique: number; accepted: number };
    expect(mqStats).toMatchObject({ unique: 1, accepted: 1 });
    const mqSettled = [...settled].filter((u) => !atHosts.includes(u));
    expect(mqSettled).toHaveLength(1);
    atHosts.push(...mqSettled);
    expect(atHosts.length).toBe(new Set(atHosts).size);
    expect(new Set(atHosts)).toEqual(settled);
    for (const name of hosts.names) {
      const s = await hosts.stats(name);
      expect(s.unique).toBe(s.accepted + s.rejected);
    }
  });
});
