// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Payment, type PaymentDetails, type PaymentSnapshot } from '#domain';
import {
  BUSINESS_RULES,
  CLOCK,
  CONNECTORS,
  HOLD_POLICY,
  ISO20022_CODEC,
  LEGACY_HOST,
  MESSAGE_ARCHIVE,
  PIPELINE_SETTINGS,
  TRANSACTION_REPOSITORY,
  WORK_QUEUE_SIGNAL,
} from '../application.tokens.js';
import { AnswerWriter } from '../answers/answer.writer.js';
import { CancelPaymentHandler } from '../cancel-payment/cancel-payment.handler.js';
import { CancelPaymentCommand } from '../cancel-payment/cancel-payment.command.js';
import { HoldPolicy } from '../hold-policy/hold-policy.js';
import { messageDigest } from '../outgoing-message.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../pipeline.settings.js';
import { HostUnavailableError } from '../ports/legacy-host.port.js';
import { ProcessPaymentCommand } from '../process-payment/process-payment.command.js';
import { ProcessPaymentHandler } from '../process-payment/process-payment.handler.js';
import { ConnectorSet, type GenerationConverter } from '../routing/connector-set.js';
import { Router } from '../routing/router.js';
import { parseRoutingFile } from '../routing/routing-file.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { FakeArchive, FakeClock, FakeLegacyHost, FakeRepository } from '../testing/in-memory.fakes.js';
import { ReleasePaymentCommand } from './release-payment.command.js';
import { ReleasePaymentHandler } from './release-payment.handler.js';

const MESSAGE = '<Document>the payment as validated</Document>';
const UETR = '8a562c67-ca16-48ba-b074-65581be6f011';
const details: PaymentDetails = {
  messageType: 'pacs.008.001.08',
  msgId: 'M1',
  creationDateTime: null,
  instrId: null,
  endToEndId: 'E1',
  txId: null,
  uetr: UETR,
  amount: { value: '100.00', currency: 'EUR' },
  settlementDate: null,
  settlementMethod: null,
  chargeBearer: null,
  debtorName: null,
  debtorAccount: null,
  debtorAgent: 'CLWYDEFF',
  creditorName: null,
  creditorAccount: null,
  creditorAgent: 'CLWYNL2A',
  creditorCountry: 'NL',
  instructingAgent: null,
  instructedAgent: null,
  appHeader: null,
};

/** Three downstreams: `a` then `b` for EUR, `c` (the only USD one, on pacs.008.001.12) for USD; `a` opens its circuit after 2 failures. */
const TABLE = JSON.stringify({
  connectors: [
    { id: 'a', transport: 'http', url: 'http://127.0.0.1:9001', currencies: ['EUR'], circuit: { failureThreshold: 2, openMs: 10_000 } },
    { id: 'b', transport: 'http', url: 'http://127.0.0.1:9002', currencies: ['EUR', 'USD'], messageVersions: ['pacs.008.001.10'] },
    { id: 'c', transport: 'http', url: 'http://127.0.0.1:9003', currencies: ['USD'], maxAmount: '1000' },
  ],
  rules: [
    { id: 'usd', match: { currency: 'USD' }, route: ['c', 'b'] },
    { id: 'gbp-hold', match: { currency: 'GBP' }, route: ['a'], onNoRoute: 'hold' },
  ],
  default: ['a', 'b'],
});

async function setup(options: { convert?: GenerationConverter } = {}) {
  const clock = new FakeClock();
  const repo = new FakeRepository();
  const archive = new FakeArchive();
  const hosts = { a: new FakeLegacyHost('a'), b: new FakeLegacyHost('b'), c: new FakeLegacyHost('c') };
  const single = new FakeLegacyHost('single');
  const converted: string[] = [];
  const convert: GenerationConverter =
    options.convert ??
    ((message, _from, targets) => {
      converted.push(targets[0]!);
      return { ok: true, message: message.replace('<Document>', `<Document v="${targets[0]}">`), messageType: targets[0]! };
    });
  const connectors = new ConnectorSet({
    defaultHost: single,
    router: new Router(parseRoutingFile(TABLE, 'routing.json'), { canConvert: () => true }),
    hosts: new Map(Object.entries(hosts)),
    convert,
    now: () => clock.now().getTime(),
  });
  const codec = {
    writePacs002: (i: { status: string; reason: { code: string } | null }) => `<pacs002 ${i.status} ${i.reason?.code ?? ''}/>`,
    writeCamt056: () => '<camt056/>',
    writeCamt029: () => '<camt029/>',
  };
  const moduleRef = await Test.createTestingModule({
    imports: [CqrsModule.forRoot()],
    providers: [
      ProcessPaymentHandler,
      ReleasePaymentHandler,
      CancelPaymentHandler,
      StatusReportWriter,
      AnswerWriter,
      { provide: CLOCK, useValue: clock },
      { provide: TRANSACTION_REPOSITORY, useValue: repo },
      { provide: MESSAGE_ARCHIVE, useValue: archive },
      { provide: LEGACY_HOST, useValue: single },
      { provide: CONNECTORS, useValue: connectors },
      { provide: WORK_QUEUE_SIGNAL, useValue: { notify: () => {} } },
      { provide: ISO20022_CODEC, useValue: codec },
      { provide: BUSINESS_RULES, useValue: { evaluate: () => Promise.resolve({ outcome: 'pass', notes: [] }) } },
      { provide: HOLD_POLICY, useValue: HoldPolicy.fromConfig({ amountAbove: null, rulesJson: null }) },
      { provide: PIPELINE_SETTINGS, useValue: { ...DEFAULT_PIPELINE_SETTINGS, mode: 'proxy' } },
    ],
  }).compile();
  await moduleRef.init();
  const bus = moduleRef.get(CommandBus);

  /** A received payment owning its message, processed (routed) by the process step. */
  async function processed(id: string, overrides: Partial<PaymentDetails> = {}): Promise<PaymentSnapshot> {
    const p = Payment.receive({ id, clientId: 'bank-a', at: clock.now(), ...details, msgId: `M-${id}`, uetr: null, ...overrides });
    p.ownInboundMessage({ messageType: p.details.messageType, sha256: messageDigest(MESSAGE), channel: 'api' });
    await archive.put({
      transactionId: id,
      direction: 'in',
      messageType: p.details.messageType,
      channel: 'api',
      body: MESSAGE,
      at: clock.now().toISOString(),
    });
    await repo.create(p.toSnapshot(), { msgIdEndToEndId: `M-${id}|E1` }, []);
    await bus.execute(new ProcessPaymentCommand(id));
    return (await repo.get(id))!;
  }
  const release = (id: string, finalAttempt = false) => bus.execute(new ReleasePaymentCommand(id, finalAttempt));
  const delivered = (name: keyof typeof hosts) =>
    hosts[name].calls.filter((c) => c.method === 'deliver').map((c) => c.message.transactionId);
  /** The release step of a process started without the routing table (ROUTING_FILE removed), on the same store. */
  const releaseWithoutTable = (id: string, finalAttempt = false) =>
    new ReleasePaymentHandler(
      repo,
      archive,
      single,
      clock,
      { ...DEFAULT_PIPELINE_SETTINGS, mode: 'proxy' },
      moduleRef.get(StatusReportWriter),
      null,
      new ConnectorSet({ defaultHost: single }),
    ).execute(new ReleasePaymentCommand(id, finalAttempt));
  return { bus, repo, archive, clock, hosts, single, connectors, processed, release, releaseWithoutTable, delivered, converted };
}

describe('routing in the one save path', () => {
  it('stores the decision with ACTC, the connector with ACSP, and settles at the primary', async () => {
    const { repo, processed, release, delivered } = await setup();
    const p = await processed('t1');
    expect(p.status).toBe('ACTC');
    expect(p.route).toMatchObject({ rule: null, strategy: 'default', candidates: ['a', 'b'], connector: 'a', delivery: 'not-started' });
    await expect(release('t1')).resolves.toBe('done');
    const done = (await repo.get('t1'))!;
    expect(done.status).toBe('ACSC');
    expect(done.route).toMatchObject({ connector: 'a', delivery: 'started', failovers: [] });
    expect(done.history.find((h) => h.status === 'ACSP')).toMatchObject({ connector: 'a' });
    expect(delivered('a')).toEqual(['t1']);
    expect(delivered('b')).toEqual([]);
  });

  it('records the rule and the refused candidates; the USD payment goes to c', async () => {
    const { repo, processed, release, delivered } = await setup();
    const p = await processed('t1', { amount: { value: '50.00', currency: 'USD' } });
    expect(p.route).toMatchObject({ rule: 'usd', strategy: 'route', candidates: ['c', 'b'] });
    await release('t1');
    expect((await repo.get('t1'))!.status).toBe('ACSC');
    expect(delivered('c')).toEqual(['t1']);
  });

  it('no eligible connector: RJCT at processing with an ISO reason naming why, nothing delivered', async () => {
    const { repo, processed, hosts } = await setup();
    const p = await processed('t1', { amount: { value: '5000.00', currency: 'USD' } });
    // c caps at 1000, b is eligible for USD: so b is the route. A currency nobody takes is refused:
    expect(p.route?.candidates).toEqual(['b']);
    const q = await processed('t2', { amount: { value: '5.00', currency: 'JPY' }, msgId: 'M-t2' });
    expect(q.status).toBe('RJCT');
    expect(q.reason?.code).toBe('AM03');
    expect(q.route?.refused.map((r) => r.connector)).toEqual(['a', 'b']);
    expect(Object.values(hosts).every((h) => h.calls.length === 0)).toBe(true);
    expect((await repo.get('t2'))!.history.map((h) => h.status)).toEqual(['RCVD', 'RJCT']);
  });

  it('a rule that says hold: no eligible connector holds the payment for an operator instead', async () => {
    const { processed } = await setup();
    const p = await processed('t1', { amount: { value: '5.00', currency: 'GBP' } });
    expect(p.status).toBe('PDNG');
    expect(p.hold).toMatchObject({ rule: 'gbp-hold' });
  });

  it('a refused connection at the primary fails over to the fallback in the same call: delivered once, the move recorded', async () => {
    const { repo, hosts, processed, release, delivered } = await setup();
    hosts.a.refuseConnections = true;
    await processed('t1');
    await expect(release('t1')).resolves.toBe('done');
    const done = (await repo.get('t1'))!;
    expect(done.status).toBe('ACSC');
    expect(done.route).toMatchObject({ connector: 'b', delivery: 'started' });
    expect(done.route!.failovers).toEqual([expect.objectContaining({ from: 'a', to: 'b', code: 'UNREACHABLE' })]);
    expect(done.history.filter((h) => h.status === 'ACSP').map((h) => h.connector)).toEqual(['a', 'b']);
    expect(delivered('b')).toEqual(['t1']);
    // b takes pacs.008.001.10: the converted message went, and is archived as sent to b
    expect(hosts.b.calls[0]!.message.messageType).toBe('pacs.008.001.10');
  });

  it('an unknown outcome (no answer) never fails over: the retry goes to the same connector, even once it refuses connections', async () => {
    const { repo, hosts, processed, release, delivered } = await setup();
    hosts.a.dropAnswers = 1;
    await processed('t1');
    await expect(release('t1')).rejects.toThrow(HostUnavailableError);
    expect((await repo.get('t1'))!.route).toMatchObject({ connector: 'a', delivery: 'started' });
    hosts.a.refuseConnections = true;
    await expect(release('t1')).rejects.toThrow(HostUnavailableError);
    expect(delivered('b')).toEqual([]);
    // and at the SLA it is investigated (outcome unknown), never rejected nor sent elsewhere
    hosts.a.refuseConnections = false;
    hosts.a.dropAnswers = 1;
    await expect(release('t1', true)).resolves.toBe('done');
    const stored = (await repo.get('t1'))!;
    expect(stored.status).toBe('PDNG');
    expect(stored.investigation).not.toBeNull();
    expect(delivered('b')).toEqual([]);
  });

  it('an open circuit moves new payments to the fallback before delivery; half-open lets a probe through and traffic returns', async () => {
    const { repo, clock, hosts, processed, release, delivered } = await setup();
    hosts.a.dropAnswers = 2; // two failures open a's circuit (threshold 2)
    await processed('t1');
    await processed('t2', { msgId: 'M-t2' });
    await expect(release('t1')).rejects.toThrow();
    await expect(release('t2')).rejects.toThrow();
    await processed('t3', { msgId: 'M-t3' });
    await release('t3');
    const t3 = (await repo.get('t3'))!;
    expect(t3.route).toMatchObject({ connector: 'b' });
    expect(t3.route!.failovers[0]).toMatchObject({ from: 'a', to: 'b', code: 'CIRCUIT_OPEN' });
    expect(delivered('b')).toEqual(['t3']);
    // t1 and t2 stay with a (their outcome is unknown): their retries wait for the circuit
    await expect(release('t1')).rejects.toThrow(/circuit/);
    clock.advance(10_001);
    await processed('t4', { msgId: 'M-t4' });
    await release('t4'); // the half-open probe
    expect((await repo.get('t4'))!.route).toMatchObject({ connector: 'a', failovers: [] });
    await release('t1');
    await release('t2');
    expect((await repo.get('t1'))!.status).toBe('ACSC');
    expect(delivered('b')).toEqual(['t3']);
  });

  it('nothing can take it and nothing was sent: ACTC waits for a retry; at the SLA a released one is rejected AB05, not investigated', async () => {
    const { repo, hosts, processed, release } = await setup();
    hosts.a.refuseConnections = true;
    hosts.b.refuseConnections = true;
    await processed('t1');
    await expect(release('t1')).rejects.toThrow(/no connector can take it now/);
    const waiting = (await repo.get('t1'))!;
    expect(waiting.status).toBe('ACSP');
    expect(waiting.route).toMatchObject({ delivery: 'not-started' });
    await expect(release('t1', true)).resolves.toBe('done');
    const stored = (await repo.get('t1'))!;
    expect(stored.status).toBe('RJCT');
    expect(stored.reason?.code).toBe('AB05');
    expect(stored.investigation ?? null).toBeNull();
  });

  it('a payment left not-started by an earlier call may move on a later call (nothing was sent)', async () => {
    const { repo, hosts, processed, release, delivered } = await setup();
    hosts.a.refuseConnections = true;
    hosts.b.refuseConnections = true;
    await processed('t1');
    await expect(release('t1')).rejects.toThrow();
    hosts.b.refuseConnections = false;
    await release('t1');
    expect((await repo.get('t1'))!.route).toMatchObject({ connector: 'b', delivery: 'started' });
    // b refused the first call (nothing recorded there), took the second; a never recorded it
    expect(delivered('b')).toEqual(['t1', 't1']);
    expect(hosts.b.decided.size).toBe(1);
    expect(hosts.a.decided.size).toBe(0);
  });

  it('a generation that cannot be converted is a refusal before delivery: the next candidate takes it', async () => {
    const { repo, processed, release, delivered, hosts } = await setup({ convert: () => ({ ok: false, reason: 'would drop Prxy' }) });
    hosts.a.refuseConnections = true;
    await processed('t1');
    await expect(release('t1')).rejects.toThrow(/would drop Prxy/);
    expect(delivered('b')).toEqual([]);
    expect((await repo.get('t1'))!.route).toMatchObject({ delivery: 'not-started' });
  });

  it('a cancellation goes to the connector the payment was delivered to', async () => {
    const { bus, repo, hosts, processed, release } = await setup();
    hosts.a.refuseConnections = true;
    hosts.b.nextOutcome = { kind: 'pending', statusReport: null };
    await processed('t1');
    await release('t1');
    const p = Payment.fromSnapshot((await repo.get('t1'))!);
    p.requestCancellation('bank-a', { code: 'DUPL' }, null, new Date());
    await repo.update(p.toSnapshot(), p.version, []);
    await bus.execute(new CancelPaymentCommand('t1'));
    expect(hosts.b.calls.map((c) => c.method)).toEqual(['deliver', 'requestCancellation']);
    expect(hosts.a.calls.map((c) => c.method)).toEqual(['deliver']);
  });

  it('without the routing table any more, a routed payment is never sent to the one host instead: it waits, and is investigated at the SLA', async () => {
    const { repo, hosts, single, processed, release, releaseWithoutTable } = await setup();
    hosts.a.dropAnswers = 1;
    await processed('t1');
    await expect(release('t1')).rejects.toThrow(HostUnavailableError);
    await processed('t2', { msgId: 'M-t2' });
    await expect(releaseWithoutTable('t1')).rejects.toThrow(/no routing table is configured/);
    await expect(releaseWithoutTable('t2')).rejects.toThrow(/no routing table is configured/);
    expect(single.calls).toEqual([]);
    await expect(releaseWithoutTable('t1', true)).resolves.toBe('done');
    expect((await repo.get('t1'))!.investigation).not.toBeNull();
    expect((await repo.get('t2'))!.status).toBe('ACTC');
    expect(single.calls).toEqual([]);
  });
});
