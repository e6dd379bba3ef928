// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 9, item 4 (hold bypass): schema-valid spellings of one amount must be the same amount everywhere.
 * `00000000000000000001250.00`, `1250.000000000000000000000` and `+1250.00` are all 1250.00 for xs:decimal
 * (leading zeros, trailing zeros of the fraction and the sign do not count towards totalDigits or
 * fractionDigits), so the official schemas take them. The gateway canonicalises the amount once, at intake,
 * into the domain's Money; hold rules, MAX_AMOUNT and the core-mode ledger all read that canonical amount, and
 * an amount that is no ISO 20022 amount (more than 18 significant digits) is refused before anything is stored.
 *
 * Runs against the built gateway and simulator (npm run build). The pain.001 case needs the ISO 20022
 * reference samples (../shared/iso20022 or ISO20022_REFERENCE_DIR).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { pain001 } from '../support/iso-messages.js';
import {
  REPO_ROOT,
  startGateway,
  startSimulator,
  tempDir,
  tokenFor,
  waitForTerminal,
  type NodeProcess,
  type TransactionJson,
} from '../support/processes.js';

interface Tx extends TransactionJson {
  amount: { value: string; currency: string } | null;
  hold: { rule: string } | null;
  childTransactionIds?: string[];
}

/** The same 1,250.00 EUR, spelled as the schema allows. */
const PADDED = ['00000000000000000001250.00', '1250.000000000000000000000', '+0001250.0'] as const;

async function post(base: string, token: string, xml: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/v1/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, ...headers },
    body: xml,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text, contentType: res.headers.get('content-type') };
}

async function submit(base: string, token: string, xml: string): Promise<string> {
  const r = await post(base, token, xml);
  if (r.status !== 202) throw new Error(`inbox answered ${r.status}: ${r.text}`);
  return r.json.transactionId as string;
}

async function get(base: string, token: string, id: string): Promise<{ status: number; tx: Tx }> {
  const res = await fetch(`${base}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, tx: (await res.json()) as Tx };
}

/** Waits until the payment is PDNG or terminal (a payment that should be held must not slip past). */
async function settledOrHeld(base: string, token: string, id: string, timeoutMs = 20_000): Promise<Tx> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { tx } = await get(base, token, id);
    if (['PDNG', 'ACSC', 'RJCT', 'CANC'].includes(tx.status)) return tx;
    if (Date.now() > deadline) throw new Error(`transaction ${id} still ${tx.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('HOLD_AMOUNT_ABOVE=1000 (proxy mode, shipped schemas)', () => {
  let sim: NodeProcess;
  let gw: NodeProcess;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator();
    gw = await startGateway({ DATA_DIR: tempDir('amount-hold'), LEGACY_HOST_URL: sim.url, HOLD_AMOUNT_ABOVE: '1000' });
    token = await tokenFor(gw.url, 'bank-a');
  }, 60_000);
  afterAll(async () => {
    await gw?.kill();
    await sim?.kill();
  });

  it.each(PADDED)('%s EUR is held in PDNG and stored as 1250.00', async (amount) => {
    const id = await submit(gw.url, token, buildPacs008({ amount }));
    const tx = await settledOrHeld(gw.url, token, id);
    expect(tx.status).toBe('PDNG');
    expect(tx.hold?.rule).toBe('amount-above-1000');
    expect(tx.amount).toEqual({ value: '1250.00', currency: 'EUR' });
  });

  it('a padded amount below the threshold is not held, and an accepted padded payment settles at the host', async () => {
    const below = await submit(gw.url, token, buildPacs008({ amount: '0000000000000000000999.990000' }));
    const small = await waitForTerminal(gw.url, token, below);
    expect(small.status).toBe('ACSC');
    expect((small as Tx).amount).toEqual({ value: '999.99', currency: 'EUR' });

    const id = await submit(gw.url, token, buildPacs008({ amount: PADDED[0] }));
    expect((await settledOrHeld(gw.url, token, id)).status).toBe('PDNG');
    const accept = await fetch(`${gw.url}/v1/transactions/${id}/accept`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(accept.status).toBe(202);
    expect((await waitForTerminal(gw.url, token, id)).status).toBe('ACSC');
    // The pacs.002 refers to the original with its canonical amount.
    const report = await (await fetch(`${gw.url}/v1/transactions/${id}/outbox`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(report).toContain('<TxSts>ACSC</TxSts>');
    expect(report).toMatch(/<IntrBkSttlmAmt Ccy="EUR">1250\.00<\/IntrBkSttlmAmt>/);
  });

  it('a pain.001 transaction with a padded amount becomes a held payment of the canonical amount', async () => {
    const pain = pain001('00000000000000001250.00');
    const req = await submit(gw.url, token, pain.xml);
    const parent = (await waitForTerminal(gw.url, token, req)) as Tx;
    expect(parent.childTransactionIds).toHaveLength(1);
    const child = await settledOrHeld(gw.url, token, parent.childTransactionIds![0]!);
    expect(child.status).toBe('PDNG');
    expect(child.amount?.value).toBe('1250.00');
  });

  it('the shipped schemas already refuse 19 significant digits (totalDigits 18), however the amount is padded', async () => {
    const r = await post(gw.url, token, buildPacs008({ amount: '0001234567890123456789.000' }));
    expect(r.status).toBe(422);
    expect(r.json.code).toBe('ISO20022.SCHEMA_INVALID');
    expect(JSON.stringify(r.json.errors)).toContain('totalDigits');
  });
});

describe('HOLD_RULES amountAbove and MAX_AMOUNT (proxy mode, shipped schemas)', () => {
  let sim: NodeProcess;
  let gw: NodeProcess;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator();
    gw = await startGateway({
      DATA_DIR: tempDir('amount-rules'),
      LEGACY_HOST_URL: sim.url,
      HOLD_RULES: JSON.stringify([{ id: 'eur-over-1000', amountAbove: '1000.00', currencies: ['EUR'] }]),
      MAX_AMOUNT: '5000 EUR',
    });
    token = await tokenFor(gw.url, 'bank-a');
  }, 60_000);
  afterAll(async () => {
    await gw?.kill();
    await sim?.kill();
  });

  it.each(PADDED)('%s EUR is held by the HOLD_RULES rule', async (amount) => {
    const id = await submit(gw.url, token, buildPacs008({ amount }));
    const tx = await settledOrHeld(gw.url, token, id);
    expect(tx.status).toBe('PDNG');
    expect(tx.hold?.rule).toBe('eur-over-1000');
  });

  it.each(['00000000000000000005000.01', '5000.010000000000000000', '+5000.01'])(
    '%s EUR is above MAX_AMOUNT 5000 EUR: RJCT AM02 naming the canonical amount',
    async (amount) => {
      const id = await submit(gw.url, token, buildPacs008({ amount }));
      const tx = await waitForTerminal(gw.url, token, id);
      expect(tx.status).toBe('RJCT');
      expect(tx.reason).toEqual({ code: 'AM02', text: 'amount 5000.01 EUR is above the limit of 5000.00 EUR' });
    },
  );

  it('exactly the limit, padded, passes MAX_AMOUNT (and is held)', async () => {
    const id = await submit(gw.url, token, buildPacs008({ amount: '0005000.000000' }));
    expect((await settledOrHeld(gw.url, token, id)).status).toBe('PDNG');
  });
});

describe('an amount of more than 18 significant digits behind a schema pack that lets it through', () => {
  let sim: NodeProcess;
  let gw: NodeProcess;
  let token: string;

  beforeAll(async () => {
    // SCHEMA_DIR is configurable: the gateway must not depend on the schema's totalDigits to stay correct.
    const schemas = tempDir('amount-lax-schemas');
    cpSync(join(REPO_ROOT, 'config/schemas'), schemas, { recursive: true });
    let relaxed = 0;
    for (const f of readdirSync(schemas).filter((n) => n.endsWith('.xsd'))) {
      const text = readFileSync(join(schemas, f), 'utf8');
      const lax = text.replace(
        /(<xs:simpleType name="Active(?:OrHistoric)?CurrencyAndAmount_SimpleType">[\s\S]*?<xs:totalDigits value=")18(")/g,
        (_m, a: string, b: string) => {
          relaxed++;
          return `${a}30${b}`;
        },
      );
      writeFileSync(join(schemas, f), lax);
    }
    expect(relaxed).toBeGreaterThan(0);
    sim = await startSimulator();
    gw = await startGateway({
      DATA_DIR: tempDir('amount-digits'),
      LEGACY_HOST_URL: sim.url,
      SCHEMA_DIR: schemas,
      HOLD_AMOUNT_ABOVE: '1000',
    });
    token = await tokenFor(gw.url, 'bank-a');
  }, 60_000);
  afterAll(async () => {
    await gw?.kill();
    await sim?.kill();
  });

  it('is refused 422 PAYMENT.AMOUNT_INVALID and nothing is stored: the same ids go through afterwards', async () => {
    const transactionId = randomUUID();
    const ids = { msgId: `AMT${randomUUID().slice(0, 20)}`, endToEndId: `E2E${randomUUID().slice(0, 20)}`, uetr: randomUUID() };
    const refused = await post(gw.url, token, buildPacs008({ ...ids, amount: '1234567890123456789.00' }), {
      'x-transaction-id': transactionId,
    });
    expect(refused.status).toBe(422);
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.json).toMatchObject({ status: 422, code: 'PAYMENT.AMOUNT_INVALID' });
    expect(String(refused.json.detail)).toMatch(/19 significant digits; ISO 20022 allows at most 18/);

    expect((await get(gw.url, token, transactionId)).status).toBe(404);
    const outbox = await fetch(`${gw.url}/v1/transactions/${transactionId}/outbox`, { headers: { authorization: `Bearer ${token}` } });
    expect(outbox.status).toBe(404);

    // Neither the transaction id, the UETR nor MsgId/EndToEndId was reserved.
    const ok = await post(gw.url, token, buildPacs008({ ...ids, amount: '12.50' }), { 'x-transaction-id': transactionId });
    expect(ok.status).toBe(202);
    expect(ok.json.transactionId).toBe(transactionId);
    expect(((await waitForTerminal(gw.url, token, transactionId)) as Tx).amount).toEqual({ value: '12.50', currency: 'EUR' });
  });

  it('18 significant digits, padded, is still an amount: taken and held', async () => {
    const id = await submit(gw.url, token, buildPacs008({ amount: '000000123456789012345678.00000000' }));
    const tx = await settledOrHeld(gw.url, token, id);
    expect(tx.status).toBe('PDNG');
    expect(tx.amount?.value).toBe('123456789012345678.00');
  });
});

describe('core mode with the ledger', () => {
  const DEBTOR = 'DE89370400440532013000';
  const CREDITOR = 'GB29NWBK60161331926819';
  let gw: NodeProcess;
  let bank: string;
  let ops: string;

  beforeAll(async () => {
    gw = await startGateway({
      DATA_DIR: tempDir('amount-core'),
      MODE: 'core',
      LEDGER_OPENING_BALANCES: JSON.stringify({ [DEBTOR]: '5000.00 EUR', [CREDITOR]: '0.00 EUR' }),
    });
    bank = await tokenFor(gw.url, 'bank-a');
    ops = await tokenFor(gw.url, 'ledger-ops');
  }, 60_000);
  afterAll(async () => {
    await gw?.kill();
  });

  async function balances(): Promise<Record<string, string>> {
    const res = await fetch(`${gw.url}/v1/ledger/accounts`, { headers: { authorization: `Bearer ${ops}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { id: string; balance: string }[] };
    return Object.fromEntries(body.items.map((a) => [a.id, a.balance]));
  }

  it('padded amounts settle at once with exact postings, and a cancel after settlement reverses them exactly', async () => {
    const pay = (amount: string) => submit(gw.url, bank, buildPacs008({ debtorIban: DEBTOR, creditorIban: CREDITOR, amount }));
    const a = await pay('00000000000000000001250.00');
    const b = await pay('1250.000000000000000000000');
    const c = await pay('+0000000000000000000000.01');
    for (const id of [a, b, c]) expect((await waitForTerminal(gw.url, bank, id, 15_000)).status).toBe('ACSC');
    expect(await balances()).toEqual({ [DEBTOR]: '2499.99', [CREDITOR]: '2500.01' });

    const cancel = await fetch(`${gw.url}/v1/transactions/${a}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${bank}` } });
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as { status: string }).status).toBe('CANC');
    expect(await balances()).toEqual({ [DEBTOR]: '3749.99', [CREDITOR]: '1250.01' });
  });
});
