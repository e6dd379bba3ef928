// SPDX-License-Identifier: Apache-2.0
/**
 * The core-mode ledger over real HTTP against the built gateway (MODE=core): many parallel payments on a few
 * accounts, more than the money there is, so some must be refused with AM04; afterwards every balance is
 * exactly what the settled payments say, none is negative and no money was created or lost.
 */
import { buildPacs008, DEFAULT_CREDITOR_IBAN } from '../support/pacs008.factory.js';
import { startGateway, tempDir, tokenFor, waitForTerminal, type NodeProcess, type TransactionJson } from '../support/processes.js';

const ACCOUNTS = {
  DE89370400440532013000: '500.00',
  GB29NWBK60161331926819: '300.00',
  FR1420041010050500013M02606: '200.00',
  NL91ABNA0417164300: '100.00',
} as const;
type AccountId = keyof typeof ACCOUNTS;
const IDS = Object.keys(ACCOUNTS) as AccountId[];

/** "123.45" -> 12345n (EUR minor units); exact, no floats. */
function minor(decimal: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(decimal);
  if (!m) throw new Error(`not a EUR decimal: ${decimal}`);
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

const PAYMENTS = 400;
const PARALLEL = 32;

let gw: NodeProcess;
let bank: string;
let ops: string;

beforeAll(async () => {
  gw = await startGateway({
    DATA_DIR: tempDir('ledger'),
    MODE: 'core',
    LEDGER_OPENING_BALANCES: JSON.stringify(Object.fromEntries(IDS.map((id) => [id, `${ACCOUNTS[id]} EUR`]))),
  });
  bank = await tokenFor(gw.url, 'bank-a');
  ops = await tokenFor(gw.url, 'ledger-ops');
}, 60_000);
afterAll(async () => {
  await gw?.kill();
});

async function submit(xml: string): Promise<string> {
  const res = await fetch(`${gw.url}/v1/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${bank}` },
    body: xml,
  });
  if (res.status !== 202) throw new Error(`inbox answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { transactionId: string }).transactionId;
}

async function balances(): Promise<Record<string, bigint>> {
  const res = await fetch(`${gw.url}/v1/ledger/accounts`, { headers: { authorization: `Bearer ${ops}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { items: { id: string; currency: string; balance: string }[] };
  for (const a of body.items) expect(typeof a.balance).toBe('string'); // decimal strings, never JSON numbers
  return Object.fromEntries(body.items.map((a) => [a.id, minor(a.balance)]));
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

it('opens the accounts from LEDGER_OPENING_BALANCES; the admin API needs ledger:admin', async () => {
  expect(await balances()).toEqual(Object.fromEntries(IDS.map((id) => [id, minor(ACCOUNTS[id])])));
  const res = await fetch(`${gw.url}/v1/ledger/accounts`, { headers: { authorization: `Bearer ${bank}` } });
  expect(res.status).toBe(403);
  expect(((await res.json()) as { code: string }).code).toBe('AUTH.INSUFFICIENT_SCOPE');
});

it(`${PAYMENTS} parallel payments on ${IDS.length} accounts: every balance is opening + credits - debits of exactly the settled ones`, async () => {
  const opening = await balances();
  const totalBefore = Object.values(opening).reduce((s, b) => s + b, 0n);
  // deterministic spread of routes and amounts (5.00 to 79.99): together far more than the 11 hundred there is
  const plan = Array.from({ length: PAYMENTS }, (_, i) => {
    const from = IDS[i % IDS.length]!;
    const to = IDS[(i + 1 + (Math.floor(i / IDS.length) % (IDS.length - 1))) % IDS.length]!;
    const cents = 500 + ((i * 7919) % 7500);
    return { from, to, amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}` };
  });
  expect(plan.every((p) => p.from !== p.to)).toBe(true);

  const ids = await pool(plan, PARALLEL, (p) => submit(buildPacs008({ debtorIban: p.from, creditorIban: p.to, amount: p.amount })));
  const final = await pool(ids, PARALLEL, (id) => waitForTerminal(gw.url, bank, id, 90_000));

  // every payment ended, settled or refused for funds: nothing else
  const outcomes = final.map((t: TransactionJson) => (t.status === 'ACSC' ? 'ACSC' : `${t.status} ${t.reason?.code ?? ''}`));
  // (which of them run short depends on the order the 2 cores settle them in: usually some, not always)
  expect(outcomes.every((o) => o === 'ACSC' || o === 'RJCT AM04')).toBe(true);
  const settled = plan.filter((_, i) => final[i]!.status === 'ACSC');
  expect(settled.length).toBeGreaterThan(PAYMENTS / 10);
  expect(settled.length).toBeLessThan(PAYMENTS);

  const expected = { ...opening };
  for (const p of settled) {
    expected[p.from] = expected[p.from]! - minor(p.amount);
    expected[p.to] = expected[p.to]! + minor(p.amount);
  }
  const after = await balances();
  expect(after).toEqual(expected);
  expect(Object.values(after).every((b) => b >= 0n)).toBe(true);
  expect(Object.values(after).reduce((s, b) => s + b, 0n)).toBe(totalBefore);

  // the refusals came with their pacs.002
  const refused = ids.find((_, i) => final[i]!.status === 'RJCT')!;
  const xml = await (await fetch(`${gw.url}/v1/transactions/${refused}/outbox`, { headers: { authorization: `Bearer ${bank}` } })).text();
  expect(xml).toContain('<TxSts>RJCT</TxSts>');
  expect(xml).toContain('<Cd>AM04</Cd>');
}, 240_000);

it('a payment larger than the debtor holds ends RJCT AM04 with a pacs.002 in its outbox, and moves nothing', async () => {
  const before = await balances();
  const id = await submit(
    buildPacs008({ debtorIban: 'DE89370400440532013000', creditorIban: 'GB29NWBK60161331926819', amount: '5000.00' }),
  );
  const tx = await waitForTerminal(gw.url, bank, id);
  expect(tx.status).toBe('RJCT');
  expect(tx.reason?.code).toBe('AM04');
  const res = await fetch(`${gw.url}/v1/transactions/${id}/outbox`, { headers: { authorization: `Bearer ${bank}` } });
  expect(res.status).toBe(200);
  const xml = await res.text();
  expect(xml).toContain('pacs.002');
  expect(xml).toContain('<TxSts>RJCT</TxSts>');
  expect(xml).toContain('<Cd>AM04</Cd>');
  expect(await balances()).toEqual(before);
});

it('unknown accounts are refused with AC02 / AC03; an account opened over the API takes payments at once', async () => {
  const toUnknown = await submit(buildPacs008({ debtorIban: 'GB29NWBK60161331926819', amount: '1.00' })); // default creditor is not open
  expect(await waitForTerminal(gw.url, bank, toUnknown)).toMatchObject({ status: 'RJCT', reason: { code: 'AC03' } });
  const fromUnknown = await submit(buildPacs008({ creditorIban: 'GB29NWBK60161331926819', amount: '1.00' })); // nor the default debtor
  expect(await waitForTerminal(gw.url, bank, fromUnknown)).toMatchObject({ status: 'RJCT', reason: { code: 'AC02' } });

  const put = (id: string, body: unknown) =>
    fetch(`${gw.url}/v1/ledger/accounts/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ops}` },
      body: JSON.stringify(body),
    });
  const opened = await put(DEFAULT_CREDITOR_IBAN, { balance: '0.00', currency: 'EUR' });
  expect(opened.status).toBe(201);
  expect(await opened.json()).toMatchObject({ id: DEFAULT_CREDITOR_IBAN, currency: 'EUR', balance: '0.00' });
  const before = await balances();
  const paid = await submit(buildPacs008({ debtorIban: 'GB29NWBK60161331926819', amount: '0.01' }));
  expect(await waitForTerminal(gw.url, bank, paid)).toMatchObject({ status: 'ACSC' });
  const after = await balances();
  expect(after[DEFAULT_CREDITOR_IBAN]).toBe(1n);
  expect(after.GB29NWBK60161331926819).toBe(before.GB29NWBK60161331926819! - 1n);

  // set a balance; bad input is an RFC 9457 problem naming the field
  const set = await put(DEFAULT_CREDITOR_IBAN, { balance: '12.34', currency: 'EUR' });
  expect(set.status).toBe(200);
  expect(await set.json()).toMatchObject({ balance: '12.34' });
  const bad = await put(DEFAULT_CREDITOR_IBAN, { balance: 12.34, currency: 'EUR' });
  expect(bad.status).toBe(400);
  expect(bad.headers.get('content-type')).toContain('application/problem+json');
  expect(await bad.json()).toMatchObject({ code: 'LEDGER.INVALID_ACCOUNT', errors: [{ path: 'balance' }] });
  const otherCurrency = await put(DEFAULT_CREDITOR_IBAN, { balance: '1.00', currency: 'USD' });
  expect(otherCurrency.status).toBe(409);
  expect(await otherCurrency.json()).toMatchObject({ code: 'LEDGER.CURRENCY_MISMATCH' });
});

it('an invalid LEDGER_OPENING_BALANCES stops the start with a message naming the entry', async () => {
  await expect(
    startGateway({ DATA_DIR: tempDir('ledger-bad'), MODE: 'core', LEDGER_OPENING_BALANCES: '{"DE89370400440532013000":"10.001 EUR"}' }),
  ).rejects.toThrow(/exited with 2[\s\S]*LEDGER_OPENING_BALANCES\["DE89370400440532013000"\]: amount: EUR has 2 decimal/);
});

describe('core mode decides cancellations after settlement and returns itself, against the ledger', () => {
  async function decide(id: string, action: 'cancel' | 'return') {
    const res = await fetch(`${gw.url}/v1/transactions/${id}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${bank}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('a cancel after ACSC reverses the postings in the same write as CANC; a return puts the money back and keeps ACSC', async () => {
    const ops1 = await fetch(`${gw.url}/v1/ledger/accounts/CORE-A`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
      body: JSON.stringify({ balance: '100.00', currency: 'EUR' }),
    });
    expect([200, 201]).toContain(ops1.status);
    const ops2 = await fetch(`${gw.url}/v1/ledger/accounts/CORE-B`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
      body: JSON.stringify({ balance: '0.00', currency: 'EUR' }),
    });
    expect([200, 201]).toContain(ops2.status);
    const pay = (amount: string) =>
      submit(
        buildPacs008({ amount, creditorAccountOther: 'CORE-B' }).replace(
          '<IBAN>DE12500105170648489890</IBAN>',
          '<Othr><Id>CORE-A</Id></Othr>',
        ),
      );

    const first = await pay('30.00');
    expect((await waitForTerminal(gw.url, bank, first)).status).toBe('ACSC');
    expect((await balances())['CORE-A']).toBe(7000n);
    const cancelled = await decide(first, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANC');
    expect(await balances()).toMatchObject({ 'CORE-A': 10000n, 'CORE-B': 0n });

    const second = await pay('40.00');
    expect((await waitForTerminal(gw.url, bank, second)).status).toBe('ACSC');
    const returned = await decide(second, 'return');
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ status: 'ACSC', return: { direction: 'outbound', state: 'accepted' } });
    expect(await balances()).toMatchObject({ 'CORE-A': 10000n, 'CORE-B': 0n });
    expect((await decide(second, 'return')).status).toBe(200);
    expect((await decide(second, 'cancel')).status).toBe(409);
    const outbox = await fetch(`${gw.url}/v1/transactions/${second}/outbox`, { headers: { authorization: `Bearer ${bank}` } });
    expect(outbox.headers.get('x-message-type')).toBe('pacs.004.001.09');
  });
});
