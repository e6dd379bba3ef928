import type { HostOutcome } from '#application';
import type { Pacs002Status } from '#iso20022';

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
