// SPDX-License-Identifier: Apache-2.0
/**
 * How the gateway reads a legacy host's answers (pacs.002, camt.029) into the LegacyHost port's outcomes: the
 * same rules whatever the transport (HTTP, AMQP). The adapters call `readHostAnswer` with the XML they got and
 * the message they sent; it parses, validates, reads and checks the answer against that message (its UETR) in one
 * place, so no transport can read an answer with fewer checks than another.
 */
import type { CancellationOutcome, HostOutcome, HostStatusOutcome, ReturnOutcome } from './legacy-host.port.js';
import type { Camt029, Iso20022Codec, Pacs002Status } from '#iso20022';

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
  if (status === null || status === '') throw new HostProtocolError("the host's status report carries no transaction status");
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

/** The reason a host gives in its pacs.002 answering a status request about a payment it has no record of. */
export const NO_ORIGINAL_TRANSACTION = 'NOOR';

/**
 * Maps a pacs.002 answering a pacs.028 (status request) to the status outcome: RJCT with reason NOOR ("no
 * original transaction received") is `unknown`: the host has no record of the payment, which is not a rejection
 * of it. Anything else as `outcomeFromPacs002` (same checks: the report must be about the payment asked about).
 */
export function statusOutcomeFromPacs002(report: Pacs002Status, statusReport: string, expectedUetr: string | null): HostStatusOutcome {
  const outcome = outcomeFromPacs002(report, statusReport, expectedUetr);
  if (outcome.kind === 'rejected' && report.reasonCode?.trim().toUpperCase() === NO_ORIGINAL_TRANSACTION) {
    return { kind: 'unknown', reasonCode: NO_ORIGINAL_TRANSACTION, reasonText: outcome.reasonText, statusReport };
  }
  return outcome;
}

/** What reading a host answer needs of the ISO 20022 codec (the real `Iso20022Codec` fits). */
export type HostAnswerCodec = Pick<Iso20022Codec, 'parse' | 'readPacs002' | 'readCamt029'>;

/** The four answers a host gives, by the message they answer. */
export interface HostAnswerKinds {
  /** pacs.002 answering a pacs.008. */
  payment: HostOutcome;
  /** camt.029 answering a camt.056. */
  cancellation: CancellationOutcome;
  /** pacs.002 answering a pacs.004. */
  return: ReturnOutcome;
  /** pacs.002 answering a pacs.028, about the original payment. */
  status: HostStatusOutcome;
}
export type HostAnswerKind = keyof HostAnswerKinds;

/** The kind of answer a request of this message type gets (`pacs.008.*` -> payment, ...); null for another type. */
export function answerKindOf(requestType: string): HostAnswerKind | null {
  if (requestType.startsWith('pacs.008.')) return 'payment';
  if (requestType.startsWith('camt.056.')) return 'cancellation';
  if (requestType.startsWith('pacs.004.')) return 'return';
  if (requestType.startsWith('pacs.028.')) return 'status';
  return null;
}

/**
 * Reads one answer of the host to a message it was sent: parses and validates `xml` (a pacs.002, or a camt.029
 * for a cancellation), reads it and applies the rules above with the UETR of the message sent. Every transport
 * calls this. Throws HostProtocolError when the answer is not usable (not the expected message, invalid, about
 * another payment, an unknown status).
 */
export function readHostAnswer<K extends HostAnswerKind>(
  codec: HostAnswerCodec,
  kind: K,
  xml: string,
  sent: { uetr: string | null },
): HostAnswerKinds[K] {
  const uetr = sent.uetr;
  if (kind === 'cancellation') {
    let resolution: Camt029;
    try {
      resolution = codec.readCamt029(codec.parse(xml));
    } catch (err) {
      throw new HostProtocolError(`the answer is not a valid camt.029${codeOf(err)}`);
    }
    return cancellationOutcomeFromCamt029(resolution, xml, uetr) as HostAnswerKinds[K];
  }
  let report: Pacs002Status;
  try {
    report = codec.readPacs002(codec.parse(xml));
  } catch (err) {
    throw new HostProtocolError(`the answer is not a valid pacs.002${codeOf(err)}`);
  }
  switch (kind) {
    case 'payment':
      return outcomeFromPacs002(report, xml, uetr) as HostAnswerKinds[K];
    case 'return':
      return returnOutcomeFromPacs002(report, xml, uetr) as HostAnswerKinds[K];
    default:
      return statusOutcomeFromPacs002(report, xml, uetr) as HostAnswerKinds[K];
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? ` (${code})` : '';
}
