// SPDX-License-Identifier: Apache-2.0
/**
 * Integrity regression of issue 9, item 3: a status report and the state change it describes are one write.
 * Two steps race on one stored version of a payment against the real embedded store (SQLite file, its
 * archive): the release settles it while the SLA sweeper rejects it. The loser's write is refused, and the
 * outbox serves the winner's report, never the loser's (before the fix, the loser had archived its RJCT report
 * first, and that became the newest outgoing message of a settled payment).
 */
import { EmbeddedDatabase, SqliteMessageArchive, SqliteTransactionRepository } from '#adapters/embedded';
import { GetOutboxQuery, StatusReportWriter } from '#application';
import { Payment } from '#domain';
import { Iso20022Codec } from '#iso20022';
import { GetOutboxHandler } from '../../libs/application/src/get-outbox/get-outbox.handler.js';
import { keysOf, samplePayment } from '../../libs/application/src/testing/contracts/contract.fixtures.js';
import { savePayment } from '../../libs/application/src/payment-steps.js';
import { tempDir } from '../support/processes.js';

let codec: Iso20022Codec;
let db: EmbeddedDatabase;
let repository: SqliteTransactionRepository;
let archive: SqliteMessageArchive;
let reports: StatusReportWriter;
const clock = { now: () => new Date() };

beforeAll(async () => {
  codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
  db = new EmbeddedDatabase({ dataDir: tempDir('integrity-report') });
  repository = new SqliteTransactionRepository(db);
  archive = new SqliteMessageArchive(db);
  reports = new StatusReportWriter(codec, archive, clock);
});

afterAll(() => db?.close());

const deps = () => ({ repository, reports, clock });
const timeOut = (p: Payment) => p.timeOut({ code: 'AB05', text: 'SLA' }, clock.now());
const settle = (p: Payment) => p.applyHostOutcome({ kind: 'settled' }, clock.now());
const cancel = (p: Payment) => p.cancelBeforeRelease('bank-a', { code: 'CUST' }, null, clock.now());

/** A payment stored ACTC (validated), or ACSP (released) through the save path. */
async function storedPayment(released: boolean): Promise<string> {
  const p = samplePayment({ clientId: 'bank-a', debtorAgent: 'CLWYDEFF', creditorAgent: 'CLWYNL2A' });
  await repository.create(p, keysOf(p), []);
  let payment = Payment.fromSnapshot((await repository.get(p.id))!);
  payment.passValidation(clock.now());
  payment = await savePayment(deps(), payment);
  if (released) {
    payment.markReleased(clock.now());
    await savePayment(deps(), payment);
  }
  return p.id;
}

/** Two steps that loaded the same stored version: `win` saves first, `lose` is refused. */
async function race(id: string, win: (p: Payment) => void, lose: (p: Payment) => void): Promise<void> {
  const first = Payment.fromSnapshot((await repository.get(id))!);
  const second = Payment.fromSnapshot((await repository.get(id))!);
  win(first);
  await savePayment(deps(), first);
  lose(second);
  await expect(savePayment(deps(), second)).rejects.toMatchObject({ code: 'PAYMENT.CONCURRENT_UPDATE' });
}

async function outboxStatus(id: string): Promise<string | null> {
  const result = await new GetOutboxHandler(repository, archive).execute(new GetOutboxQuery('bank-a', id));
  if (result.kind !== 'message') return null;
  return codec.readPacs002(codec.parse(result.message.body)).status;
}

it('release settles a held-over payment, the SLA sweeper loses with its RJCT: the outbox serves the ACSC report', async () => {
  const id = await storedPayment(false);
  // The release moves ACTC -> ACSP -> ACSC; the sweeper had loaded ACTC and times it out.
  const release = Payment.fromSnapshot((await repository.get(id))!);
  const sweeper = Payment.fromSnapshot((await repository.get(id))!);
  release.markReleased(clock.now());
  const released = await savePayment(deps(), release);
  settle(released);
  await savePayment(deps(), released);
  timeOut(sweeper);
  await expect(savePayment(deps(), sweeper)).rejects.toMatchObject({ code: 'PAYMENT.CONCURRENT_UPDATE' });
  expect((await repository.get(id))!.status).toBe('ACSC');
  expect(await outboxStatus(id)).toBe('ACSC');
});

it('the SLA sweeper rejects first, the release loses with its ACSP and then nothing: the outbox serves the RJCT report', async () => {
  const id = await storedPayment(false);
  await race(id, timeOut, (p) => p.markReleased(clock.now()));
  expect(await outboxStatus(id)).toBe('RJCT');
});

it('the host answer settles a released payment while a late duplicate of the answer rejects it: only ACSC is served', async () => {
  const id = await storedPayment(true);
  await race(id, settle, (p) => p.applyHostOutcome({ kind: 'rejected', reason: { code: 'AC04' } }, clock.now()));
  expect((await repository.get(id))!.status).toBe('ACSC');
  expect(await outboxStatus(id)).toBe('ACSC');
});

it('a cancellation racing the SLA sweeper: the loser leaves no report either', async () => {
  const id = await storedPayment(false);
  await race(id, cancel, timeOut);
  expect(await outboxStatus(id)).toBe('CANC');
});
