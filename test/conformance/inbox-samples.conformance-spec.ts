// SPDX-License-Identifier: Apache-2.0
/**
 * Every official sample of every message id the inbox takes, posted to the running gateway: accepted (202)
 * when the official schema accepts it, refused with a 4xx problem when it does not. The referee is
 * ../shared/iso20022, read at test time. `rule-violation-*` samples are schema-valid and are accepted here;
 * the business rules reject them afterwards (test/e2e/rules.e2e-spec.ts).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';
import { disposeOfficialValidators, officialVerdict, sampleFiles, xpathString } from '../support/reference.js';

/** The uniqueness keys of a pacs.008 sample (UETR, MsgId + EndToEndId): two samples may share them. */
function paymentKeys(document: string, namespace: string): string[] {
  const uetr = xpathString(document, namespace, 'string(//d:CdtTrfTxInf[1]/d:PmtId/d:UETR)');
  const msgId = xpathString(document, namespace, 'string(//d:GrpHdr/d:MsgId)');
  const e2e = xpathString(document, namespace, 'string(//d:CdtTrfTxInf[1]/d:PmtId/d:EndToEndId)');
  return [uetr ? `uetr:${uetr.toLowerCase()}` : '', `m:${msgId}|${e2e}`].filter(Boolean);
}
const seenKeys = new Set<string>();

/** The message ids the inbox takes (docs/iso20022-messages.md); the gateway's 422 for any other id is tested in api.e2e. */
const INBOX_TYPES = [
  'pacs.008.001.08',
  'pacs.008.001.10',
  'pacs.008.001.12',
  'pacs.028.001.03',
  'camt.056.001.08',
  'camt.056.001.11',
  'pacs.004.001.09',
  'pacs.004.001.13',
  'pain.001.001.09',
];

const cases = INBOX_TYPES.flatMap((id) => sampleFiles(id).map((file) => ({ id, file, name: `${id}/${basename(file)}` })));

let sim: NodeProcess;
let gw: NodeProcess;
let token: string;

beforeAll(async () => {
  sim = await startSimulator();
  gw = await startGateway({ DATA_DIR: tempDir('inbox-samples'), LEGACY_HOST_URL: sim.url });
  token = await tokenFor(gw.url, 'bank-a');
});

afterAll(async () => {
  disposeOfficialValidators();
  await gw?.kill();
  await sim?.kill();
});

it('finds samples for the message ids the inbox takes (the reference set is there)', () => {
  expect(cases.length).toBeGreaterThanOrEqual(20);
  for (const id of ['pacs.008.001.08', 'pacs.008.001.12', 'pacs.028.001.03', 'camt.056.001.08', 'pacs.004.001.09', 'pain.001.001.09']) {
    expect(cases.some((c) => c.id === id)).toBe(true);
  }
});

it.each(cases)('$name: the inbox agrees with the official schema', async ({ id, file }) => {
  const xml = readFileSync(file, 'utf8');
  const official = officialVerdict(id, xml);
  const res = await fetch(`${gw.url}/v1/inbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
    body: xml,
  });
  const body = (await res.json()) as { transactionId?: string; code?: string; messageType?: string };
  if (official.valid) {
    // Some samples reuse another sample's UETR (the Fedwire variations, two CBPR+ scenarios): those are
    // taken through validation and then refused as duplicates of the earlier one, as any payment would be.
    const keys = id.startsWith('pacs.008.') ? paymentKeys(official.document!, official.documentNamespace!) : [];
    const repeats = keys.some((k) => seenKeys.has(k));
    keys.forEach((k) => seenKeys.add(k));
    if (repeats) {
      expect({ status: res.status, code: body.code }).toEqual({ status: 409, code: 'PAYMENT.DUPLICATE' });
      return;
    }
    expect({ status: res.status, body }).toMatchObject({ status: 202, body: { messageType: id } });
    const t = await waitForTerminal(gw.url, token, body.transactionId!, 30_000);
    expect(['ACSC', 'RJCT', 'CANC']).toContain(t.status);
  } else {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(body.code).toMatch(/^ISO20022\./);
  }
});
