import type { HostOutcome, ReturnOutcome } from '#application';
import type { Pacs002Status } from '#iso20022';

// The same reading of a host's pacs.002 as the HTTP adapter's (libs/adapters/http-host/src/host-outcome.mapper.ts);
// adapters do not import each other, so the rules are repeated here until they move into #application.

/** TxSts codes (ExternalPaymentTransactionStatus1Code) that mean the host settled the payment. */
const SETTLED = new Set(['ACSC', 'ACCC']);
/** TxSts codes that mean the host took the payment but has no final answer yet. */
const PENDING = new Set(['ACSP', 'ACTC', 'PDNG', 'RCVD', 'ACCP', 'ACFC', 'ACIS', 'ACPD', 'ACWC', 'ACWP', 'PATC', 'PRES']);

/** The host answered something that is not a usable status report for this payment. */
export class HostAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostAnswerError';
  }
}

/** Maps a pacs.002's status to the port's outcome; refuses a report about another UETR or without a known status. */
export function outcomeOfPacs002(report: Pacs002Status, statusReport: string, expectedUetr: string | null): HostOutcome {
  if (expectedUetr && report.originalUetr && report.originalUetr.toLowerCase() !== expectedUetr.toLowerCase()) {
    throw new HostAnswerError(`the host's status report is for UETR ${report.originalUetr}, not ${expectedUetr}`);
  }
  const status = report.status?.trim().toUpperCase() ?? null;
  if (status === null || status === '') throw new HostAnswerError("the host's status report carries no transaction status");
  if (SETTLED.has(status)) return { kind: 'settled', statusReport };
  if (status === 'RJCT') {
    const text = report.reasonText?.trim() || null;
    return {
      kind: 'rejected',
      reasonCode: report.reasonCode?.trim() || 'NARR',
      reasonText: text ?? (report.reasonCode ? null : 'rejected by the legacy host without a reason code'),
      statusReport,
    };
  }
  if (PENDING.has(status)) return { kind: 'pending', statusReport };
  throw new HostAnswerError(`the host answered an unknown transaction status "${status}"`);
}

/** The answer to a pacs.004 is a pacs.002 too: settled means the return was accepted. */
export function returnOutcomeOf(outcome: HostOutcome): ReturnOutcome {
  return outcome.kind === 'settled' ? { kind: 'accepted', statusReport: outcome.statusReport } : outcome;
}
