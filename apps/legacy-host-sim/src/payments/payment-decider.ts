// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import type { Iso20022Codec, Pacs002Input, Pacs008, Pacs008Transaction, PartialIdentification } from '#iso20022';

export type StatusWriter = Pick<Iso20022Codec, 'writePacs002'>;

export interface Decision {
  status: 'ACSC' | 'RJCT';
  reason: { code: string; text: string | null } | null;
}

export const CLOSED_ACCOUNT: Decision = { status: 'RJCT', reason: { code: 'AC04', text: 'closed account' } };
export const SETTLED: Decision = { status: 'ACSC', reason: null };

/** The key the host deduplicates on: the Idempotency-Key header, else the UETR, else MsgId + EndToEndId. */
export function idempotencyKey(header: string | undefined, msg: Pacs008): string {
  const fromHeader = header?.trim();
  if (fromHeader) return fromHeader;
  const tx = msg.transactions[0];
  if (tx?.uetr) return tx.uetr.toLowerCase();
  return `${msg.groupHeader.msgId}/${tx?.endToEndId ?? ''}`;
}

/** The host's business rule: a creditor account (IBAN or Othr/Id) ending in `rejectSuffix` is closed. */
export function decide(tx: Pacs008Transaction, rejectSuffix: string): Decision {
  const account = (tx.creditorAccount?.iban ?? tx.creditorAccount?.other ?? '').replace(/\s+/g, '').toUpperCase();
  if (rejectSuffix !== '' && account.endsWith(rejectSuffix.toUpperCase())) return CLOSED_ACCOUNT;
  return SETTLED;
}

/** A report message id: `SIM` and 32 hex digits (35 characters, the Max35Text limit). */
export function newReportMsgId(): string {
  return `SIM${randomUUID().replaceAll('-', '').toUpperCase()}`;
}

/** The pacs.002 answering one transaction of a pacs.008: the instructed agent reports back to the instructing one. */
export function statusReportFor(codec: StatusWriter, msg: Pacs008, tx: Pacs008Transaction, decision: Decision, now: Date): string {
  const gh = msg.groupHeader;
  const input: Pacs002Input = {
    msgId: newReportMsgId(),
    creationDateTime: isoSeconds(now),
    instructingAgent: gh.instructedAgent ?? tx.instructedAgent,
    instructedAgent: gh.instructingAgent ?? tx.instructingAgent,
    original: {
      msgId: gh.msgId,
      msgNmId: msg.messageType,
      creationDateTime: gh.creationDateTime,
      instrId: tx.instrId,
      endToEndId: tx.endToEndId,
      txId: tx.txId,
      uetr: tx.uetr,
      amount: tx.interbankSettlementAmount,
      settlementDate: tx.interbankSettlementDate ?? gh.interbankSettlementDate,
    },
    status: decision.status,
    reason: decision.reason,
    acceptanceDateTime: decision.status === 'ACSC' ? isoSeconds(now) : null,
  };
  return codec.writePacs002(input);
}

/** A pacs.002 RJCT FF01 for a message that failed validation, or null when its ids could not be read. */
export function formatRejectionFor(codec: StatusWriter, ids: PartialIdentification, detail: string, now: Date): string | null {
  if (!ids.msgId) return null;
  const input: Pacs002Input = {
    msgId: newReportMsgId(),
    creationDateTime: isoSeconds(now),
    instructingAgent: null,
    instructedAgent: null,
    original: {
      msgId: ids.msgId,
      msgNmId: ids.messageType ?? 'pacs.008.001.08',
      creationDateTime: ids.creationDateTime ?? null,
      instrId: ids.instrId ?? null,
      endToEndId: ids.endToEndId ?? null,
      txId: ids.txId ?? null,
      uetr: ids.uetr ?? null,
      amount: null,
      settlementDate: null,
    },
    status: 'RJCT',
    reason: { code: 'FF01', text: truncate(detail, 105) },
    acceptanceDateTime: null,
  };
  try {
    return codec.writePacs002(input);
  } catch {
    // the readable ids do not make a valid report (e.g. an over-long MsgId): answer in JSON instead
    return null;
  }
}

export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
