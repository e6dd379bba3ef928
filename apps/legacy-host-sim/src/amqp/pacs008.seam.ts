import { Iso20022Error, type Iso20022Codec, type Pacs008 } from '#iso20022';
import { decide, formatRejectionFor, idempotencyKey, statusReportFor } from '../payments/payment-decider.js';
import type { PaymentLedger, PaymentRecord } from '../payments/payment-ledger.js';

/**
 * The simulator's pacs.008 handling without HTTP: the same steps as PaymentsController.submit (parse, key,
 * look up or decide and record, the first answer's bytes on a replay), for transports other than HTTP.
 * A thin seam: once the decision logic lives in a transport-independent service, this calls that instead.
 */
export type Pacs008Answer =
  | { kind: 'answered'; record: PaymentRecord; replay: boolean }
  /** Not a usable pacs.008: `report` is a pacs.002 RJCT FF01 when the MsgId could be read. */
  | { kind: 'refused'; code: string; detail: string; report: string | null };

export function answerPacs008(
  deps: { codec: Iso20022Codec; ledger: PaymentLedger; rejectSuffix: string },
  body: string,
  keyHeader: string | undefined,
): Pacs008Answer {
  let msg: Pacs008;
  try {
    const parsed = deps.codec.parse(body);
    if (!parsed.messageType.startsWith('pacs.008.')) {
      return { kind: 'refused', code: 'ISO20022.UNSUPPORTED_MESSAGE', detail: `not a pacs.008: ${parsed.messageType}`, report: null };
    }
    msg = deps.codec.readPacs008(parsed);
  } catch (err) {
    if (!(err instanceof Iso20022Error)) throw err;
    const detail = err.issues[0]?.message ?? err.message;
    return { kind: 'refused', code: err.code, detail, report: formatRejectionFor(deps.codec, err.partial, detail, new Date()) };
  }
  const tx = msg.transactions[0];
  if (!tx) return { kind: 'refused', code: 'SIM.NO_TRANSACTION', detail: 'the pacs.008 holds no transaction', report: null };
  // Look up and record without any await in between: two concurrent deliveries of a key cannot both decide.
  const key = idempotencyKey(keyHeader, msg);
  if (deps.ledger.get(key)) return { kind: 'answered', record: deps.ledger.replay(key), replay: true };
  const decision = decide(tx, deps.rejectSuffix);
  const now = new Date();
  const record = deps.ledger.record({
    key,
    uetr: tx.uetr,
    msgId: msg.groupHeader.msgId,
    endToEndId: tx.endToEndId,
    status: decision.status,
    reasonCode: decision.reason?.code ?? null,
    reasonText: decision.reason?.text ?? null,
    statusReport: statusReportFor(deps.codec, msg, tx, decision, now),
    decidedAt: now.toISOString(),
  });
  return { kind: 'answered', record, replay: false };
}
