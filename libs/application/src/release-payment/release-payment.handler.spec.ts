// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { committedOutgoing } from '../own-messages.js';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Payment, type PaymentDetails } from '#domain';
import { CLOCK, ISO20022_CODEC, LEGACY_HOST, MESSAGE_ARCHIVE, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from '../pipeline.settings.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { FakeArchive, FakeClock, FakeLedger, FakeRepository } from '../testing/in-memory.fakes.js';
import { ReleasePaymentCommand } from './release-payment.command.js';
import { ReleasePaymentHandler } from './release-payment.handler.js';

const DEBTOR = 'DE89370400440532013000';
const CREDITOR = 'GB29NWBK60161331926819';

const details: PaymentDetails = {
  messageType: 'pacs.008.001.08',
  msgId: 'M1',
  creationDateTime: null,
  instrId: null,
  endToEndId: 'E1',
  txId: null,
  uetr: null,
  amount: { value: '100.00', currency: 'EUR' },
  settlementDate: null,
  settlementMethod: null,
  chargeBearer: null,
  debtorName: null,
  debtorAccount: DEBTOR,
  debtorAgent: null,
  creditorName: null,
  creditorAccount: CREDITOR,
  creditorAgent: null,
  instructingAgent: null,
  instructedAgent: null,
  appHeader: null,
};

describe('ReleasePaymentHandler in core mode', () => {
  async function setup(settings: Partial<PipelineSettings> = { ledger: true }) {
    const clock = new FakeClock();
    const ledger = new FakeLedger();
    const repo = new FakeRepository(ledger);
    const archive = new FakeArchive();
    const codec = {
      writePacs002: (i: { status: string; reason: { code: string } | null }) => `<pacs002 ${i.status} ${i.reason?.code ?? ''}/>`,
    };
    const host = { name: 'core', deliver: () => Promise.reject(new Error('no host in core mode')), ping: async () => {} };
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        ReleasePaymentHandler,
        StatusReportWriter,
        { provide: CLOCK, useValue: clock },
        { provide: TRANSACTION_REPOSITORY, useValue: repo },
        { provide: MESSAGE_ARCHIVE, useValue: archive },
        { provide: LEGACY_HOST, useValue: host },
        { provide: ISO20022_CODEC, useValue: codec },
        { provide: PIPELINE_SETTINGS, useValue: { ...DEFAULT_PIPELINE_SETTINGS, mode: 'core', ...settings } },
      ],
    }).compile();
    await moduleRef.init();
    await ledger.openAccounts(
      [
        { id: DEBTOR, currency: 'EUR', balance: 15_000n },
        { id: CREDITOR, currency: 'EUR', balance: 0n },
        { id: 'GBP-ACCOUNT', currency: 'GBP', balance: 0n },
      ],
      false,
    );
    /** Stores an ACTC payment (what the process step leaves behind) and returns its id. */
    async function actc(id: string, overrides: Partial<PaymentDetails> = {}): Promise<string> {
      const p = Payment.receive({ id, clientId: 'c1', at: clock.now(), ...details, msgId: `M-${id}`, ...overrides });
      p.passValidation(clock.now());
      await repo.create(p.toSnapshot(), { msgIdEndToEndId: `M-${id}|E1` }, []);
      return id;
    }
    const bus = moduleRef.get(CommandBus);
    const release = (id: string) => bus.execute(new ReleasePaymentCommand(id));
    const balances = () => Object.fromEntries([...ledger.accounts.values()].map((a) => [a.id, a.balance]));
    // What the payment's outbox serves: the outgoing messages its stored version committed.
    const reports = (id: string) => {
      const stored = repo.rows.get(id);
      return stored
        ? committedOutgoing(
            stored,
            archive.messages.filter((m) => m.transactionId === id),
          ).map((m) => m.body)
        : [];
    };
    return { repo, ledger, archive, actc, release, balances, reports };
  }

  it('settles: ACSC and the postings in the same write, then the ACSC pacs.002', async () => {
    const { repo, ledger, actc, release, balances, reports } = await setup();
    await actc('t1');
    await expect(release('t1')).resolves.toBe('done');
    expect(await repo.get('t1')).toMatchObject({ status: 'ACSC', reason: null });
    expect(balances()).toEqual({ [DEBTOR]: 5_000n, [CREDITOR]: 10_000n, 'GBP-ACCOUNT': 0n });
    expect(ledger.journal).toEqual([
      { transactionId: 't1', account: DEBTOR, currency: 'EUR', delta: -10_000n },
      { transactionId: 't1', account: CREDITOR, currency: 'EUR', delta: 10_000n },
    ]);
    expect(reports('t1')).toEqual(['<pacs002 ACSC />']);
  });

  it('insufficient funds: RJCT AM04 with its pacs.002, no ACSC report, no money moved', async () => {
    const { repo, ledger, actc, release, balances, reports } = await setup();
    await actc('t1');
    await release('t1'); // 100.00 of 150.00
    await actc('t2');
    await expect(release('t2')).resolves.toBe('done'); // another 100.00: only 50.00 left
    const t2 = (await repo.get('t2'))!;
    expect(t2.status).toBe('RJCT');
    expect(t2.reason?.code).toBe('AM04');
    expect(t2.history.map((h) => h.status)).toEqual(['RCVD', 'ACTC', 'ACSP', 'RJCT']);
    expect(reports('t2')).toEqual(['<pacs002 RJCT AM04/>']);
    expect(balances()).toEqual({ [DEBTOR]: 5_000n, [CREDITOR]: 10_000n, 'GBP-ACCOUNT': 0n });
    expect(ledger.journal.filter((l) => l.transactionId === 't2')).toEqual([]);
  });

  it("a credit over the ledger's largest balance (2^63-1 minor units): RJCT AM02, no money moved, no crash", async () => {
    const { repo, ledger, actc, release, reports } = await setup();
    const nearlyFull = 2n ** 63n - 1n - 9_999n; // 100.00 EUR more would be one minor unit over
    await ledger.openAccounts([{ id: CREDITOR, currency: 'EUR', balance: nearlyFull }], true);
    await actc('t1');
    await expect(release('t1')).resolves.toBe('done');
    expect(await repo.get('t1')).toMatchObject({ status: 'RJCT', reason: { code: 'AM02' } });
    expect(reports('t1')).toEqual(['<pacs002 RJCT AM02/>']);
    expect(ledger.accounts.get(CREDITOR)!.balance).toBe(nearlyFull);
    expect(ledger.accounts.get(DEBTOR)!.balance).toBe(15_000n);
    expect(ledger.journal).toEqual([]);
  });

  it.each([
    ['an unknown debtor account', 'AC02', { debtorAccount: 'DE00UNKNOWN' }],
    ['an unknown creditor account', 'AC03', { creditorAccount: 'FR00UNKNOWN' }],
    ['a payment in another currency than the accounts', 'AM03', { amount: { value: '1.00', currency: 'GBP' } }],
    ['a creditor account in another currency', 'AM03', { creditorAccount: 'GBP-ACCOUNT' }],
    ['no debtor account at all', 'AC02', { debtorAccount: null }],
  ])('%s: RJCT %s with its pacs.002', async (_what, code, overrides: Partial<PaymentDetails>) => {
    const { repo, actc, release, balances, reports } = await setup();
    await actc('t1', overrides);
    await expect(release('t1')).resolves.toBe('done');
    expect(await repo.get('t1')).toMatchObject({ status: 'RJCT', reason: { code } });
    expect(reports('t1')).toEqual([`<pacs002 RJCT ${code}/>`]);
    expect(balances()).toEqual({ [DEBTOR]: 15_000n, [CREDITOR]: 0n, 'GBP-ACCOUNT': 0n });
  });

  it('a redelivered job settles nothing twice', async () => {
    const { ledger, actc, release, balances, reports } = await setup();
    await actc('t1');
    await release('t1');
    await expect(release('t1')).resolves.toBe('skipped');
    expect(balances()[DEBTOR]).toBe(5_000n);
    expect(ledger.journal).toHaveLength(2);
    expect(reports('t1')).toHaveLength(1);
  });

  it('a stale job (the payment changed under it) posts nothing and is retried', async () => {
    const { repo, ledger, actc, release } = await setup();
    await actc('t1');
    const realUpdate = repo.update.bind(repo);
    let raced = false;
    // another writer moves the payment on between this step's read and its write
    repo.update = async (p, v, jobs, postings) => {
      if (!raced && postings?.length) {
        raced = true;
        const cur = (await repo.get(p.id))!;
        await realUpdate({ ...cur, updatedAt: cur.updatedAt }, cur.version, []);
      }
      return realUpdate(p, v, jobs, postings);
    };
    await expect(release('t1')).rejects.toMatchObject({ code: 'PAYMENT.CONCURRENT_UPDATE' });
    expect(ledger.journal).toEqual([]);
  });

  it('the report is part of the settling write: a crash before it settles nothing, and the redelivery settles once with its report', async () => {
    const { repo, ledger, archive, actc, release, reports } = await setup();
    await actc('t1');
    const realPut = archive.put.bind(archive);
    archive.put = () => Promise.reject(new Error('crash'));
    await expect(release('t1')).rejects.toThrow('crash');
    expect((await repo.get('t1'))!.status).toBe('ACSP');
    expect(ledger.journal).toEqual([]);
    expect(reports('t1')).toEqual([]);
    archive.put = realPut;
    await expect(release('t1')).resolves.toBe('done');
    expect((await repo.get('t1'))!.status).toBe('ACSC');
    expect(ledger.journal).toHaveLength(2);
    expect(reports('t1')).toEqual(['<pacs002 ACSC />']);
  });

  it('without the ledger, core mode settles without postings', async () => {
    const { repo, ledger, actc, release } = await setup({ ledger: false });
    await actc('t1', { debtorAccount: 'DE00UNKNOWN' });
    await release('t1');
    expect((await repo.get('t1'))!.status).toBe('ACSC');
    expect(ledger.journal).toEqual([]);
  });
});
