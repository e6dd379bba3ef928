// SPDX-License-Identifier: Apache-2.0
import { isTerminal as isTerminalStatus, type PaymentRoute, type PaymentSnapshot } from '#domain';

/** The JSON of a transaction in the API (camelCase, fixed by the API contract). */
export function transactionView(p: PaymentSnapshot) {
  return {
    transactionId: p.id,
    status: p.status,
    reason: p.reason ? { code: p.reason.code, text: p.reason.text ?? null } : null,
    messageType: p.messageType,
    msgId: p.msgId,
    endToEndId: p.endToEndId,
    uetr: p.uetr,
    amount: p.amount ? { value: p.amount.value, currency: p.amount.currency } : null,
    debtorAgent: p.debtorAgent,
    creditorAgent: p.creditorAgent,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    history: p.history.map((h) => ({
      status: h.status,
      at: h.at,
      ...(h.reason ? { reason: h.reason } : {}),
      ...(h.connector ? { connector: h.connector } : {}),
    })),
    // Beyond the fixed contract: what the transaction is, what it is linked to, and the decisions on it.
    kind: p.kind ?? 'payment',
    homeRegion: p.homeRegion ?? null,
    // How it arrived: `api` (the inbox), `mq`, `pain.001`, `json` (POST /v1/payments), `qr` (POST /v1/qr-payments).
    channel: p.channel ?? null,
    relatedTransactionId: p.relatedTransactionId ?? null,
    ...(p.childTransactionIds?.length ? { childTransactionIds: p.childTransactionIds } : {}),
    hold: p.hold ?? null,
    cancellation: p.cancellation ?? null,
    return: p.returnInfo ?? null,
    // Set when the host's outcome is (or was) unknown: `outcome` says whether it still is.
    investigation: p.investigation ? { ...p.investigation, outcome: isTerminalStatus(p.status) ? 'known' : 'unknown' } : null,
    decisions: p.decisions ?? [],
    // With a routing table: the connector chosen, the rule matched, the candidates refused and why, every move.
    ...(p.route ? { route: routeView(p.route) } : {}),
  };
}

function routeView(r: PaymentRoute) {
  return {
    connector: r.connector,
    rule: r.rule,
    strategy: r.strategy,
    candidates: r.candidates,
    refused: r.refused,
    delivery: r.delivery,
    failovers: r.failovers,
    decidedAt: r.decidedAt,
  };
}

export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;
