/**
 * How the gateway reads a legacy host's answers (pacs.002, camt.029) into the LegacyHost port's outcomes: the
 * same rules whatever the transport (HTTP, AMQP).
 */
import type { CancellationOutcome, HostOutcome, ReturnOutcome } from './legacy-host.port.js';
import type { Camt029, Pacs002Status } from '#iso20022';

/** TxSts codes (ExternalPaymentTransactionStatus1Code) that mean the host settled the payment. */
const SETTLED = new Set(['ACSC', 'ACCC']);
/** TxSts codes that mean the host took the payment but has no final answer yet. */
const PENDING = new Set(['ACSP', 'ACTC', 'PDNG', 'RCVD', 'ACCP', 'ACFC', 'ACIS', 'ACPD', 'ACWC', 'ACWP', 'PATC', 'PRES']);

/** The host answered something that is not a usable status report for this payment. */
export class HostProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostProtocolError';
  }
}

/**
 * Maps the status a pacs.002 reports to the port's outcome. Throws HostProtocolError when the report has no
 * status, an unknown status, or names another payment (its OrgnlUETR differs from the delivered UETR).
 */
export function outcomeFromPacs002(report: Pacs002Status, statusReport: string, expectedUetr: string | null): HostOutcome {
  if (expectedUetr && report.originalUetr && report.originalUetr.toLowerCase() !== expectedUetr.toLowerCase()) {
    throw new HostProtocolError(`the host's status report is for UETR ${report.originalUetr}, not ${expectedUetr}`);
  }
  const status = report.status?.trim().toUpperCase() ?? null;
  if (status === null || status === '') throw new HostProtocolError('the host\'s status report carries no transaction status');
  if (SETTLED.has(status)) return { kind: 'settled', statusReport };
  if (status === 'RJCT') {
    const text = report.reasonText?.trim() || null;
    return {
      kind: 'rejected',
      // A rejection must carry a reason; NARR ("see the narrative") is the ISO code for one given only as text.
      reasonCode: report.reasonCode?.trim() || 'NARR',
      reasonText: text ?? (report.reasonCode ? null : 'rejected by the legacy host without a reason code'),
      statusReport,
    };
  }
  if (PENDING.has(status)) return { kind: 'pending', statusReport };
  throw new HostProtocolError(`the host answered an unknown transaction status "${status}"`);
}

/**
 * Maps a pacs.002 answering a pacs.004 to the return outcome: the host's status of the return (ACSC:
 * accepted; RJCT with its reason; pending). Same checks as `outcomeFromPacs002`.
 */
export function returnOutcomeFromPacs002(report: Pacs002Status, statusReport: string, expectedUetr: string | null): ReturnOutcome {
  const outcome = outcomeFromPacs002(report, statusReport, expectedUetr);
  return outcome.kind === 'settled' ? { kind: 'accepted', statusReport } : outcome;
}

/**
 * Maps a camt.029 answering a camt.056 to the cancellation outcome: CNCL (or TxCxlSts ACCR) cancelled,
 * RJCR refused with its reason, PDCR pending. Throws HostProtocolError for another status or a camt.029
 * about another payment (its OrgnlUETR differs from the payment's).
 */
export function cancellationOutcomeFromCamt029(resolution: Camt029, xml: string, expectedUetr: string | null): CancellationOutcome {
  const uetr = resolution.original?.uetr ?? null;
  if (expectedUetr && uetr && uetr.toLowerCase() !== expectedUetr.toLowerCase()) {
    throw new HostProtocolError(`the host's camt.029 is for UETR ${uetr}, not ${expectedUetr}`);
  }
  switch (resolution.status) {
    case 'CNCL':
      return { kind: 'cancelled', resolution: xml };
    case 'RJCR':
      return { kind: 'refused', reasonCode: resolution.reasonCode, reasonText: resolution.reasonText, resolution: xml };
    case 'PDCR':
      return { kind: 'pending', resolution: xml };
    default:
      throw new HostProtocolError(`the host answered the cancellation request with "${resolution.status ?? 'no status'}"`);
  }
}
