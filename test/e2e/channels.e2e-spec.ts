// SPDX-License-Identifier: Apache-2.0
/**
 * The payment channels beyond ISO 20022 XML (issue 14 point 5), end to end over real HTTP: the built gateway
 * (dist/) and the built legacy-host simulator as child processes. A JSON payment (POST /v1/payments) and a QR
 * payment (POST /v1/qr-payments) are written as pacs.008s, taken through the inbox's intake and settled by the
 * simulator; idempotency keys replay or conflict; malformed QR codes and unknown merchants are refused with 422.
 * Needs `npm run build` first.
 */
import { writeFileSync } from 'node:fs';
import { merchantQr, tlv, withCrc } from '../support/emvco-qr.js';
import { join } from 'node:path';
import {
  startGateway,
  startSimulator,
  tempDir,
  tokenFor,
  waitForTerminal,
  type NodeProcess,
  type TransactionJson,
} from '../support/processes.js';

const processes: NodeProcess[] = [];
let sim: NodeProcess;
let url: string;
let token: string;

const MERCHANTS = `merchants:
  - guid: com.example.pay
    merchantId: M-1001
    creditor:
      name: Cafe Kranz GmbH
      account: DE44500105175407324931
      agent: INGDDEFF
      country: DE
`;

const ORDER = {
  debtor: { name: 'Alice Wallet', account: 'DE89370400440532013000', country: 'DE' },
  creditor: { name: 'Shop SARL', account: 'FR1420041010050500013M02606', agent: 'BNPAFRPP', country: 'FR' },
  amount: { value: '12.50', currency: 'EUR' },
  remittance: 'invoice 42',
  serviceLevel: 'SEPA',
  localInstrument: 'INST',
  categoryPurpose: 'SUPP',
};

beforeAll(async () => {
  sim = await startSimulator();
  processes.push(sim);
  const dir = tempDir('channels');
  const merchants = join(dir, 'merchants.yaml');
  writeFileSync(merchants, MERCHANTS);
  const gw = await startGateway({
    DATA_DIR: dir,
    LEGACY_HOST_URL: sim.url,
    MERCHANT_DIRECTORY_FILE: merchants,
    CHANNEL_DEBTOR_AGENT_BIC: 'CLWYDEFFXXX',
  });
  processes.push(gw);
  url = gw.url;
  token = await tokenFor(url, 'bank-a');
}, 60_000);

afterAll(async () => {
  for (const p of processes) await p.kill();
});

async function post(
  path: string,
  body: unknown,
  key?: string,
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

async function outbox(id: string): Promise<string> {
  const res = await fetch(`${url}/v1/transactions/${id}/outbox`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

async function simStats(): Promise<{ unique: number; duplicates: number; accepted: number }> {
  return (await (await fetch(`${sim.url}/stats`)).json()) as { unique: number; duplicates: number; accepted: number };
}

describe('POST /v1/payments (JSON)', () => {
  it('takes a JSON payment (202, Location), settles it at the simulator (ACSC) with its pacs.002 in the outbox', async () => {
    const before = await simStats();
    const res = await post('/v1/payments', ORDER, 'order-0001');
    expect(res.status).toBe(202);
    const id = res.json.transactionId as string;
    expect(res.json).toEqual({ transactionId: id, status: 'RCVD', messageType: 'pacs.008.001.08' });
    expect(res.headers.get('location')).toBe(`/v1/transactions/${id}`);
    const settled: TransactionJson = await waitForTerminal(url, token, id);
    expect(settled).toMatchObject({
      status: 'ACSC',
      channel: 'json',
      amount: { value: '12.50', currency: 'EUR' },
      debtorAgent: 'CLWYDEFFXXX',
      creditorAgent: 'BNPAFRPP',
      endToEndId: id.replace(/-/g, ''),
    });
    const report = await outbox(id);
    expect(report).toContain('pacs.002');
    expect(report).toMatch(/<TxSts>ACSC<\/TxSts>/);
    expect(report).toContain(`<OrgnlEndToEndId>${id.replace(/-/g, '')}</OrgnlEndToEndId>`);
    const after = await simStats();
    expect(after.unique - before.unique).toBe(1);
  });

  it('answers a retry with the same Idempotency-Key and body with the same transaction, delivered once', async () => {
    const first = await post('/v1/payments', { ...ORDER, endToEndId: 'E2E-RETRY' }, 'order-0002');
    expect(first.status).toBe(202);
    const id = first.json.transactionId as string;
    await waitForTerminal(url, token, id);
    const before = await simStats();
    // a later retry (the creation time of the stored message is reused, so the pacs.008 bytes are the same)
    await new Promise((r) => setTimeout(r, 1100));
    const retry = await post('/v1/payments', { ...ORDER, endToEndId: 'E2E-RETRY' }, 'order-0002');
    expect(retry.status).toBe(202);
    expect(retry.json.transactionId).toBe(id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await simStats()).unique).toBe(before.unique);
  });

  it('refuses the same Idempotency-Key with another body (409 IDEMPOTENCY.KEY_REUSED)', async () => {
    const first = await post('/v1/payments', ORDER, 'order-0003');
    expect(first.status).toBe(202);
    const other = await post('/v1/payments', { ...ORDER, amount: { value: '99.00', currency: 'EUR' } }, 'order-0003');
    expect(other.status).toBe(409);
    expect(other.json).toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED', transactionId: first.json.transactionId });
    expect(other.json.detail).toContain('Idempotency-Key');
  });

  it('refuses a JSON number amount (400) and a bad IBAN (422), naming the fields', async () => {
    const float = await post('/v1/payments', { ...ORDER, amount: { value: 12.5, currency: 'EUR' } });
    expect(float.status).toBe(400);
    expect(float.json).toMatchObject({ code: 'REQUEST.INVALID_BODY', errors: [{ path: 'amount.value' }] });
    const iban = await post('/v1/payments', { ...ORDER, creditor: { ...ORDER.creditor, account: 'FR1420041010050500013M02607' } });
    expect(iban.status).toBe(422);
    expect(iban.json).toMatchObject({ code: 'PAYMENT.INVALID_FIELDS', errors: [{ path: 'creditor.account' }] });
  });
});

describe('POST /v1/qr-payments (EMVCo QR)', () => {
  const payer = { name: 'Bob Payer', account: 'DE89370400440532013000' };

  it('pays a merchant of the directory: settles (ACSC) on channel qr, creditor from the directory', async () => {
    const res = await post('/v1/qr-payments', { payload: merchantQr('M-1001', '4.20'), payer, serviceLevel: 'INST' }, 'qr-0001');
    expect(res.status).toBe(202);
    const id = res.json.transactionId as string;
    expect(res.headers.get('location')).toBe(`/v1/transactions/${id}`);
    expect(await waitForTerminal(url, token, id)).toMatchObject({
      status: 'ACSC',
      channel: 'qr',
      endToEndId: 'TABLE-7',
      amount: { value: '4.20', currency: 'EUR' },
      creditorAgent: 'INGDDEFF',
    });
    expect(await outbox(id)).toMatch(/<TxSts>ACSC<\/TxSts>/);
  });

  it('takes the amount of a static code from the payer', async () => {
    const res = await post('/v1/qr-payments', { payload: merchantQr('M-1001', null), payer, amount: { value: '3.10', currency: 'EUR' } });
    expect(res.status).toBe(202);
    expect(await waitForTerminal(url, token, res.json.transactionId as string)).toMatchObject({
      status: 'ACSC',
      amount: { value: '3.10' },
    });
  });

  it('refuses a bad CRC with 422 QR.CRC_MISMATCH naming tag 63', async () => {
    const payload = merchantQr('M-1001', '4.20').slice(0, -4) + '0000';
    const res = await post('/v1/qr-payments', { payload, payer });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ code: 'QR.CRC_MISMATCH', errors: [{ path: 'tag 63' }] });
  });

  it('refuses a malformed tag with 422 naming it', async () => {
    const body =
      tlv('00', '01') +
      tlv('26', tlv('00', 'com.example.pay') + tlv('01', 'M-1001')) +
      tlv('52', '5812') +
      tlv('53', '978') +
      tlv('54', '4,20') +
      tlv('58', 'DE') +
      tlv('59', 'Cafe') +
      tlv('60', 'Berlin');
    const res = await post('/v1/qr-payments', { payload: withCrc(body), payer });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ code: 'QR.TAG_INVALID', errors: [{ path: 'tag 54' }] });
  });

  it('refuses an unknown merchant with 422 QR.MERCHANT_UNKNOWN', async () => {
    const res = await post('/v1/qr-payments', { payload: merchantQr('M-9999', '4.20'), payer });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ code: 'QR.MERCHANT_UNKNOWN', errors: [{ path: 'tag 26' }] });
  });
});
