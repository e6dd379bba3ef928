// SPDX-License-Identifier: Apache-2.0
import type { Iso20022Codec, Pacs002Input } from '#iso20022';

/** The payment the host-adapter specs deliver, and the opaque pacs.008 they send (the adapters never read it). */
export const HOST_SPEC_UETR = '5b8b7e3f-3c1f-4d8e-9a4b-2f1e0c9d8a71';
export const HOST_SPEC_MESSAGE =
  '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><!-- opaque to the adapter --></Document>';

/** A host's pacs.002 about that payment (or about `uetr`), as a legacy host would answer. */
export function hostReport(
  codec: Iso20022Codec,
  status: string,
  reason: Pacs002Input['reason'] = null,
  uetr: string | null = HOST_SPEC_UETR,
): string {
  return codec.writePacs002({
    msgId: 'HOSTREPORT0001',
    creationDateTime: '2026-03-01T10:00:00Z',
    instructingAgent: null,
    instructedAgent: null,
    original: {
      msgId: 'MSG0001',
      msgNmId: 'pacs.008.001.08',
      creationDateTime: '2026-03-01T09:59:00Z',
      instrId: null,
      endToEndId: 'E2E0001',
      txId: null,
      uetr,
      amount: { value: '100.00', currency: 'EUR' },
      settlementDate: '2026-03-01',
    },
    status,
    reason,
    acceptanceDateTime: status === 'ACSC' ? '2026-03-01T10:00:00Z' : null,
  });
}

/** A pacs.028 asking about the payment `original` names (the pacs.008 the specs sent, by its ids). */
export function statusRequest(
  codec: Iso20022Codec,
  original: { uetr: string | null; msgId: string; endToEndId: string | null },
  msgId = 'CLWYSTSREQ0001',
): string {
  return codec.writePacs028({
    msgId,
    creationDateTime: '2026-03-01T10:10:00Z',
    statusRequestId: null,
    original: {
      group: { msgId: original.msgId, msgNmId: 'pacs.008.001.08', creationDateTime: null },
      instrId: null,
      endToEndId: original.endToEndId,
      txId: null,
      uetr: original.uetr,
    },
    instructingAgent: null,
    instructedAgent: null,
  });
}
