// SPDX-License-Identifier: Apache-2.0
import { Bic, ReasonCode, type PaymentSnapshot } from '#domain';
import { WaitingForDependencyError } from '../application.errors.js';
import { ScreeningUnavailableError, type ScreeningRequest, type ScreeningService } from '../ports/screening.port.js';
import { pass, reject, type BusinessRule } from './business-rule.js';
import { creditorCountryOf, debtorCountryOf } from './creditor-country.rule.js';

/** What to do when the screening service gives no verdict (unreachable, timeout, unusable answer). */
export type ScreeningFailurePolicy = 'open' | 'closed';

/**
 * The process step failed because screening gave no verdict and the policy is `closed`; the job is retried
 * until screening answers or the SLA sweeper ends the wait.
 */
export class ScreeningPendingError extends WaitingForDependencyError {
  override readonly code = 'SCREENING.UNAVAILABLE';
  constructor(transactionId: string, cause: string) {
    super(transactionId, `screening of ${transactionId} gave no verdict (${cause}); SCREENING_FAILURE=closed, retrying later`);
    this.name = 'ScreeningPendingError';
  }
}

const bicOf = (agent: string | null): string | null => (agent && Bic.isValid(agent) ? agent : null);

export function screeningRequestOf(p: Readonly<PaymentSnapshot>): ScreeningRequest {
  return {
    transactionId: p.id,
    uetr: p.uetr,
    endToEndId: p.endToEndId,
    amount: p.amount?.value ?? '0',
    currency: p.amount?.currency ?? '',
    debtor: { name: p.debtorName, country: debtorCountryOf(p), bic: bicOf(p.debtorAgent) },
    creditor: { name: p.creditorName, country: creditorCountryOf(p), bic: bicOf(p.creditorAgent) },
  };
}

/**
 * Sanctions screening through the ScreeningService port. A hit rejects with RR04 (RegulatoryReason) and
 * the service's reference in the text. No verdict: `open` passes the payment with a note recorded on it
 * (and a warning logged); `closed` fails the process step retryably, so the payment stays RCVD until the
 * service answers or the SLA sweeper rejects it (AB05).
 */
export function screeningRule(
  service: ScreeningService,
  opts: { failure: ScreeningFailurePolicy; logger?: { warn(message: string): void } },
): BusinessRule {
  return {
    id: 'screening',
    reasonCodes: [ReasonCode.REGULATORY],
    async check(p) {
      let result;
      try {
        result = await service.screen(screeningRequestOf(p));
      } catch (e) {
        if (!(e instanceof ScreeningUnavailableError)) throw e;
        if (opts.failure === 'closed') throw new ScreeningPendingError(p.id, e.message);
        opts.logger?.warn(`screening of ${p.id} gave no verdict (${e.message}); passed under SCREENING_FAILURE=open`);
        return pass(`not screened: ${service.name} screening unavailable (${e.message}); passed under SCREENING_FAILURE=open`);
      }
      if (result.kind === 'hit') {
        const ref = result.reference ?? 'none given';
        return reject(ReasonCode.REGULATORY, `screening hit, reference ${ref}${result.text ? `: ${result.text}` : ''}`);
      }
      return pass();
    },
  };
}
