// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot } from '#domain';

/**
 * The idempotency key the host sees for a payment's messages: its UETR, namespaced by the client that owns the
 * payment (UETRs are unique per client, so two tenants' payments never share a key at the host and one can
 * never be answered with the other's outcome), or the transaction id when it has no UETR. `step` suffixes the
 * key of a follow-up message (`cancel`, `return`; a status request numbers its own: statusRequestKey).
 */
export function hostIdempotencyKey(p: Pick<PaymentSnapshot, 'id' | 'clientId' | 'uetr'>, step?: 'cancel' | 'return'): string {
  const base = p.uetr ? `${encodeURIComponent(p.clientId)}:${p.uetr.toLowerCase()}` : p.id;
  return step ? `${base}:${step}` : base;
}
