// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Iso20022Codec } from '#iso20022';
import { BUSINESS_RULES, CLOCK, HOLD_POLICY, ISO20022_CODEC, MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { HoldPolicy } from '../hold-policy/hold-policy.js';
import { pass, reject, type BusinessRule } from '../business-rules/business-rule.js';
import { BusinessRuleSet } from '../business-rules/business-rule-set.js';
import { standardBusinessRules } from '../business-rules/standard-rules.js';
import { ScreeningUnavailableError } from '../ports/screening.port.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { FakeArchive, FakeClock, FakeRepository } from '../testing/in-memory.fakes.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { ProcessPaymentCommand } from './process-payment.command.js';
import { ProcessPaymentHandler } from './process-payment.handler.js';

describe('ProcessPaymentHandler with business rules', () => {
  let codec: Iso20022Codec;
  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
  });

  async function setup(rules: BusinessRuleSet) {
    const clock = new FakeClock();
    const repo = new FakeRepository();
    const archive = new FakeArchive();
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        ProcessPaymentHandler,
        StatusReportWriter,
        { provide: CLOCK, useValue: clock },
        { provide: TRANSACTION_REPOSITORY, useValue: repo },
        { provide: MESSAGE_ARCHIVE, useValue: archive },
        { provide: ISO20022_CODEC, useValue: codec },
        { provide: BUSINESS_RULES, useValue: rules },
        { provide: HOLD_POLICY, useValue: HoldPolicy.none() },
      ],
    }).compile();
    await moduleRef.init();
    return { repo, archive, bus: moduleRef.get(CommandBus) };
  }

  async function store(repo: FakeRepository, over: Parameters<typeof paymentSnapshot>[0] = {}) {
    const p = paymentSnapshot(over);
    await repo.create(p, { msgIdEndToEndId: `${p.msgId}|${p.endToEndId}` }, []);
    return p.id;
  }

  it('rejects with the ISO code of the first failing rule and archives a pacs.002 carrying it', async () => {
    const { repo, archive, bus } = await setup(standardBusinessRules({ creditorCountries: { allow: null, deny: ['CH'] } }));
    const id = await store(repo, { amount: { value: '12000000', currency: 'XAU' }, creditorCountry: 'CH' });
    await expect(bus.execute(new ProcessPaymentCommand(id))).resolves.toBe('done');
    const stored = (await repo.get(id))!;
    expect(stored.status).toBe('RJCT');
    expect(stored.reason).toEqual({ code: 'AM03', text: 'XAU is an ISO 4217 precious-metal code, not a currency' });
    expect(repo.jobs).toEqual([]); // no release
    const report = (await archive.latest(id, 'out'))!.body;
    expect(report).toContain('<TxSts>RJCT</TxSts>');
    expect(report).toContain('<Cd>AM03</Cd>');
    expect(report).toContain('XAU is an ISO 4217 precious-metal code');
  });

  it('accepts (ACTC) and schedules the release when every rule passes', async () => {
    const { repo, bus } = await setup(standardBusinessRules({ creditorCountries: { allow: ['NL'], deny: [] } }));
    const id = await store(repo);
    await bus.execute(new ProcessPaymentCommand(id));
    const stored = (await repo.get(id))!;
    expect(stored.status).toBe('ACTC');
    expect(stored.history.at(-1)).toEqual({ status: 'ACTC', at: expect.any(String) });
    expect(repo.jobs).toMatchObject([{ type: 'payment.release', transactionId: id }]);
  });

  it('records the note of a passing rule on the ACTC history entry', async () => {
    const noted: BusinessRule = { id: 'screening', reasonCodes: ['RR04'], check: async () => pass('not screened: service down') };
    const { repo, bus } = await setup(new BusinessRuleSet([noted]));
    const id = await store(repo);
    await bus.execute(new ProcessPaymentCommand(id));
    const stored = (await repo.get(id))!;
    expect(stored.status).toBe('ACTC');
    expect(stored.history.at(-1)?.reason).toEqual({ code: 'NARR', text: 'screening: not screened: service down' });
  });

  it('leaves the payment RCVD and throws when a rule cannot decide (fail-closed screening)', async () => {
    const service = { name: 'down', screen: () => Promise.reject(new ScreeningUnavailableError('HTTP 503')) };
    const { repo, bus } = await setup(standardBusinessRules({ screening: { service, failure: 'closed' } }));
    const id = await store(repo);
    await expect(bus.execute(new ProcessPaymentCommand(id))).rejects.toThrow(/gave no verdict \(HTTP 503\)/);
    const stored = (await repo.get(id))!;
    expect(stored.status).toBe('RCVD');
    expect(stored.version).toBe(1);
    expect(repo.jobs).toEqual([]);
  });

  it('skips a payment that is no longer RCVD (a redelivered job)', async () => {
    const never: BusinessRule = { id: 'never', reasonCodes: ['NARR'], check: async () => reject('NARR', 'must not run') };
    const { repo, bus } = await setup(new BusinessRuleSet([never]));
    const id = await store(repo, { status: 'ACTC' });
    await expect(bus.execute(new ProcessPaymentCommand(id))).resolves.toBe('skipped');
    expect((await repo.get(id))!.status).toBe('ACTC');
  });
});
