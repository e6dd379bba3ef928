// SPDX-License-Identifier: Apache-2.0
import { ScreeningUnavailableError, type ScreeningRequest, type ScreeningResult, type ScreeningService } from '../ports/screening.port.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { ScreeningPendingError, screeningRule } from './screening.rule.js';

/** A screening service that answers what the test scripts and keeps the requests. */
class ScriptedScreening implements ScreeningService {
  readonly name = 'scripted';
  readonly requests: ScreeningRequest[] = [];
  constructor(private readonly answer: () => Promise<ScreeningResult>) {}
  screen(request: ScreeningRequest): Promise<ScreeningResult> {
    this.requests.push(request);
    return this.answer();
  }
}

const warnings: string[] = [];
const logger = { warn: (m: string) => warnings.push(m) };
beforeEach(() => warnings.splice(0));

describe('screening rule', () => {
  it('sends names, countries, agent BICs, the amount as a decimal string, the currency and the UETR', async () => {
    const service = new ScriptedScreening(async () => ({ kind: 'clear', reference: null }));
    const rule = screeningRule(service, { failure: 'closed', logger });
    await expect(
      rule.check(paymentSnapshot({ amount: { value: '1234.50', currency: 'EUR' }, creditorAgent: 'USABA:021000021' })),
    ).resolves.toEqual({
      outcome: 'pass',
    });
    expect(service.requests).toEqual([
      {
        transactionId: '7d0c2f0e-2b1a-4c3d-9e8f-0a1b2c3d4e5f',
        uetr: '5b8b7e3f-3c1f-4d8e-9a4b-2f1e0c9d8a71',
        endToEndId: 'E2E-1',
        amount: '1234.50',
        currency: 'EUR',
        debtor: { name: 'Muster Maschinenbau GmbH', country: 'DE', bic: 'CLWYDEFF' },
        creditor: { name: 'Voorbeeld Handel B.V.', country: 'NL', bic: null },
      },
    ]);
  });

  it('rejects a hit with RR04 and the service reference in the text', async () => {
    const rule = screeningRule(new ScriptedScreening(async () => ({ kind: 'hit', reference: 'CASE-4711', text: 'name match' })), {
      failure: 'open',
      logger,
    });
    await expect(rule.check(paymentSnapshot())).resolves.toEqual({
      outcome: 'reject',
      code: 'RR04',
      text: 'screening hit, reference CASE-4711: name match',
    });
  });

  it('still rejects a hit that comes without a reference', async () => {
    const rule = screeningRule(new ScriptedScreening(async () => ({ kind: 'hit', reference: null, text: null })), { failure: 'open' });
    await expect(rule.check(paymentSnapshot())).resolves.toMatchObject({ outcome: 'reject', code: 'RR04' });
  });

  it('fail-open: passes an unscreened payment with a note and a logged warning', async () => {
    const rule = screeningRule(new ScriptedScreening(() => Promise.reject(new ScreeningUnavailableError('no answer within 200 ms'))), {
      failure: 'open',
      logger,
    });
    const verdict = await rule.check(paymentSnapshot());
    expect(verdict.outcome).toBe('pass');
    expect(verdict.outcome === 'pass' && verdict.note).toMatch(/not screened.*no answer within 200 ms.*SCREENING_FAILURE=open/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('7d0c2f0e-2b1a-4c3d-9e8f-0a1b2c3d4e5f');
    expect(warnings[0]).not.toContain('Muster'); // no party names in logs
  });

  it('fail-closed: fails the step retryably and decides nothing', async () => {
    const rule = screeningRule(new ScriptedScreening(() => Promise.reject(new ScreeningUnavailableError('HTTP 503'))), {
      failure: 'closed',
      logger,
    });
    await expect(rule.check(paymentSnapshot())).rejects.toThrow(ScreeningPendingError);
    await expect(rule.check(paymentSnapshot())).rejects.toThrow(/HTTP 503/);
    expect(warnings).toEqual([]);
  });

  it('lets an unexpected error through under either policy (it is a bug, not an outage)', async () => {
    const rule = screeningRule(new ScriptedScreening(() => Promise.reject(new TypeError('boom'))), { failure: 'open', logger });
    await expect(rule.check(paymentSnapshot())).rejects.toThrow(TypeError);
  });
});
