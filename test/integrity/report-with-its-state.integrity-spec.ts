/**
 * Integrity regression of issue 9, item 3: a status report and the state change it describes are one write.
 * Two steps race on one stored version of a payment against the real embedded store (SQLite file, its
 * archive): the release settles it while the SLA sweeper rejects it. The loser's write is refused, and the
 * outbox serves the winner's report, never the loser's (before the fix, the loser had archived its RJCT report
 * first, and that became the newest outgoing message of a settled payment).
 */
import { EmbeddedDatabase, SqliteMessageArchive, SqliteTransactionRepository } from '#adapters/embedded';
import { GetOutboxQuery, StatusReportWriter } from '#application';
import { Payment, type PaymentStatus } from '#domain';
import { Iso20022Codec } from '#iso20022';
import { GetOutboxHandler } from '../../libs/application/src/get-outbox/get-outbox.handler.js';
import { keysOf, samplePayment } from '../../libs/application/src/testing/contracts/contract.fixtures.js';
import { commitTransition } from '../../libs/application/src/payment-steps.js';
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

/** A payment stored and moved to `status` through the save path. */
async function storedPayment(path: PaymentStatus[]): Promise<string> {
  const p = samplePayment({ clientId: 'bank-a', debtorAgent: 'CLWYDEFF', creditorAgent: 'CLWYNL2A' });
  await repository.create(p, keysOf(p), []);
  let payment = Payment.fromSnapshot((await repository.get(p.id))!);
  for (const to of path) payment = await commitTransition({ repository, reports, clock }, payment, to);
  return p.id;
}

async function outboxStatus(id: string): Promise<string | null> {
  const result = await new GetOutboxHandler(repository, archive).execute(new GetOutboxQuery('bank-a', id));
  if (result.kind !== 'message') return null;
  return codec.readPacs002(codec.parse(result.message.body)).status;
}

it.each([
  ['release settles, the SLA sweeper loses with its RJCT', 'ACSC', 'RJCT'],
  ['the SLA sweeper rejects, the release loses with its ACSC', 'RJCT', 'ACSC'],
] as const)('%s: the outbox serves the stored status\'s report', async (_what, winner, loser) => {
  const id = await storedPayment(['ACTC', 'ACSP']);
  const first = Payment.fromSnapshot((await repository.get(id))!);
  const second = Payment.fromSnapshot((await repository.get(id))!);
  await commitTransition({ repository, reports, clock }, first, winner, winner === 'RJCT' ? { code: 'AB05', text: 'SLA' } : undefined);
  await expect(
    commitTransition({ repository, reports, clock }, second, loser, loser === 'RJCT' ? { code: 'AB05', text: 'SLA' } : undefined),
  ).rejects.toMatchObject({ code: 'PAYMENT.CONCURRENT_UPDATE' });
  expect((await repository.get(id))!.status).toBe(winner);
  expect(await outboxStatus(id)).toBe(winner);
});

it('a cancellation racing a release: the loser leaves no report either', async () => {
  const id = await storedPayment(['ACTC']);
  const release = Payment.fromSnapshot((await repository.get(id))!);
  const cancel = Payment.fromSnapshot((await repository.get(id))!);
  await commitTransition({ repository, reports, clock }, cancel, 'CANC', { code: 'CUST' });
  await expect(commitTransition({ repository, reports, clock }, release, 'RJCT', { code: 'AB05' })).rejects.toMatchObject({ code: 'PAYMENT.CONCURRENT_UPDATE' });
  expect(await outboxStatus(id)).toBe('CANC');
});
