// SPDX-License-Identifier: Apache-2.0
import { parseMerchantQr, QrPayloadError, type MerchantQr, type QrIssue } from './emvco-qr.js';
import type { MerchantDirectory, ResolvedMerchant } from './merchant-directory.js';
import {
  JsonReader,
  MAX_REMITTANCE,
  readAccount,
  readAmount,
  readBic,
  readJsonObject,
  type AccountRef,
  type FieldIssue,
  type PaymentOrder,
} from './payment-order.js';

/** The body of `POST /v1/qr-payments`, read. */
export interface QrPaymentRequest {
  /** The EMVCo merchant-presented QR payload as scanned. */
  payload: string;
  payer: { name: string; account: AccountRef; agentBic: string | null };
  /** Only for a QR code without an amount (no tag 54): the amount the payer entered. */
  amount: { value: string; currency: string } | null;
  remittance: string | null;
  serviceLevel: string | null;
}

/**
 * Reads `{payload, payer: {name, account, agent?}, amount?: {value, currency}, remittance?, serviceLevel?}`;
 * every wrong field named by its path.
 */
export function readQrPaymentRequest(body: unknown): { ok: true; request: QrPaymentRequest } | { ok: false; issues: FieldIssue[] } {
  const reader = new JsonReader();
  const root = readJsonObject(body, reader);
  if (root === null) return { ok: false, issues: reader.issues };
  const payloadRaw = root.get('payload');
  let payload: string | null = null;
  if (typeof payloadRaw === 'string' && payloadRaw.length > 0) payload = payloadRaw;
  else if (payloadRaw === undefined || payloadRaw === null || payloadRaw === '')
    reader.shape('payload', 'is required: the EMVCo QR payload as scanned');
  else reader.shape('payload', 'must be a string: the EMVCo QR payload as scanned');
  const payer = reader.object(root, 'payer', 'payer', true);
  const name = reader.string(payer, 'name', 'payer.name', { required: true, max: 140, expected: 'a name of 1 to 140 characters' });
  const account = readAccount(reader, payer, 'payer.account');
  const agentBic = readBic(reader, payer, 'agent', 'payer.agent', false);
  const amount = readAmount(reader, root, 'amount', false);
  const remittance = reader.string(root, 'remittance', 'remittance', {
    required: false,
    max: MAX_REMITTANCE,
    expected: `a text of 1 to ${MAX_REMITTANCE} characters`,
  });
  const serviceLevel = reader.string(root, 'serviceLevel', 'serviceLevel', {
    required: false,
    max: 4,
    pattern: /^[A-Z0-9]{1,4}$/,
    expected: 'an ExternalServiceLevel1Code of 1 to 4 capital letters or digits, e.g. INST',
  });
  if (reader.issues.length > 0) return { ok: false, issues: reader.issues };
  return {
    ok: true,
    request: { payload: payload!, payer: { name: name!, account: account!, agentBic }, amount, remittance, serviceLevel },
  };
}

/** Why a QR payment cannot become a payment order: a stable code and the tags or fields at fault. */
export interface QrRefusal {
  kind: 'qr-refused';
  code: string;
  detail: string;
  errors: QrIssue[];
}

const refuse = (code: string, errors: QrIssue[]): QrRefusal => ({
  kind: 'qr-refused',
  code,
  detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
  errors,
});

/**
 * The payment order of a QR payment: the QR code read (QR.PAYLOAD_INVALID, QR.CRC_MISMATCH, QR.TAG_INVALID),
 * the merchant found in the directory by a template GUID and merchant id (QR.MERCHANT_UNKNOWN), the amount of
 * the code (tag 54) or, for a code without one, the payer's in the code's currency (QR.AMOUNT_INVALID). The
 * creditor is the directory's (its country, else tag 58); the reference label (62.05), else the bill number
 * (62.01), is the EndToEndId and, unless the payer gives one, the remittance information.
 */
export function orderFromQr(
  request: QrPaymentRequest,
  directory: MerchantDirectory,
): { kind: 'order'; order: PaymentOrder; qr: MerchantQr; merchant: ResolvedMerchant } | QrRefusal {
  let qr: MerchantQr;
  try {
    qr = parseMerchantQr(request.payload);
  } catch (e) {
    if (!(e instanceof QrPayloadError)) throw e;
    return refuse(e.code, e.issues);
  }
  const merchant = directory.resolve(qr);
  if (merchant === null) {
    const named = qr.merchantAccounts.map((t) => `${t.guid} ${[...t.fields.values()].join('/')}`);
    return refuse('QR.MERCHANT_UNKNOWN', [
      {
        path: qr.merchantAccounts.length > 0 ? `tag ${qr.merchantAccounts[0]!.tag}` : 'tag 26',
        message:
          named.length > 0
            ? `no merchant of the directory is named by the code's merchant account information (${named.join('; ')})`
            : 'the code has no merchant account information template (tags 26-51) to find the merchant by',
      },
    ]);
  }
  let amount: { value: string; currency: string };
  if (qr.amount !== null) {
    if (request.amount !== null) {
      return refuse('QR.AMOUNT_INVALID', [
        { path: 'amount', message: `the QR code carries its amount (tag 54: ${qr.amount} ${qr.currency}); send none` },
      ]);
    }
    amount = { value: qr.amount, currency: qr.currency };
  } else {
    if (request.amount === null) {
      return refuse('QR.AMOUNT_INVALID', [
        { path: 'amount', message: `the QR code carries no amount (no tag 54): send the amount in ${qr.currency}` },
      ]);
    }
    if (request.amount.currency !== qr.currency) {
      return refuse('QR.AMOUNT_INVALID', [{ path: 'amount.currency', message: `must be the QR code's currency (tag 53): ${qr.currency}` }]);
    }
    amount = request.amount;
  }
  // "***" asks the payer's app to prompt for the value: not a reference of the merchant's.
  const label = (v: string | null) => (v === null || v === '***' ? null : v);
  const reference = label(qr.referenceLabel) ?? label(qr.billNumber);
  const creditor = merchant.entry.creditor;
  return {
    kind: 'order',
    qr,
    merchant,
    order: {
      debtor: { name: request.payer.name, account: request.payer.account, agentBic: request.payer.agentBic, country: null },
      creditor: {
        name: creditor.name,
        account: { iban: creditor.iban, other: null },
        agentBic: creditor.agentBic,
        country: creditor.country ?? qr.country,
        addressLines: [],
      },
      amount,
      remittance: request.remittance ?? reference,
      serviceLevel: request.serviceLevel,
      localInstrument: null,
      categoryPurpose: null,
      endToEndId: reference,
      requestedExecutionDate: null,
    },
  };
}
