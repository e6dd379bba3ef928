// SPDX-License-Identifier: Apache-2.0
/**
 * Test messages about an earlier payment (pacs.028, camt.056, pacs.004, pain.001), made from the official
 * samples in ../shared/iso20022 at test time: the sample's references are pointed at the payment under test.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceDir } from './reference.js';

export interface PaymentRef {
  msgId: string;
  endToEndId: string;
  uetr: string;
  amount?: string;
  currency?: string;
}

function sample(messageId: string, file: string): string {
  return readFileSync(join(referenceDir(), 'samples', messageId, file), 'utf8');
}

/** Replaces the text of every `<[prefix:]name>` element (first `limit` of them) with `value`. */
export function setElement(xml: string, name: string, value: string, limit = Infinity): string {
  let n = 0;
  return xml.replace(
    new RegExp(`(<(?:\\w+:)?${name}(?:\\s[^>]*)?>)([^<]*)(</(?:\\w+:)?${name}>)`, 'g'),
    (all, open: string, _old: string, close: string) => (n++ < limit ? `${open}${value}${close}` : all),
  );
}

function pointAt(xml: string, ref: PaymentRef): string {
  let out = setElement(xml, 'OrgnlMsgId', ref.msgId);
  out = setElement(out, 'OrgnlMsgNmId', 'pacs.008.001.08');
  out = setElement(out, 'OrgnlEndToEndId', ref.endToEndId);
  out = setElement(out, 'OrgnlUETR', ref.uetr);
  return out;
}

const fresh = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '')}`.slice(0, 35);

/** pacs.028.001.03 asking for the status of `ref` (from the Fedwire sample). */
export function pacs028For(ref: PaymentRef): string {
  return setElement(pointAt(sample('pacs.028.001.03', 'fedwire-status-request-ctr.xml'), ref), 'MsgId', fresh('SR'));
}

/** camt.056.001.08 asking to cancel `ref` (from the Fedwire sample). */
export function camt056For(ref: PaymentRef, reason = 'CUST'): string {
  let xml = pointAt(sample('camt.056.001.08', 'fedwire-return-request-cust.xml'), ref);
  xml = setElement(xml, 'Id', fresh('CX'), 1); // Assgnmt/Id
  xml = xml.replace(
    /<OrgnlIntrBkSttlmAmt Ccy="[A-Z]{3}">[^<]*</,
    `<OrgnlIntrBkSttlmAmt Ccy="${ref.currency ?? 'EUR'}">${ref.amount ?? '100.00'}<`,
  );
  return xml.replace(/(<Rsn>\s*<Cd>)CUST(<\/Cd>)/, `$1${reason}$2`);
}

/** pacs.004.001.09 returning `ref` (from the CBPR+ sample, with its AppHdr and envelope). */
export function pacs004For(ref: PaymentRef): string {
  let xml = pointAt(sample('pacs.004.001.09', 'cbpr-p.2.1.2-CtoB-ac04-usd.xml'), ref);
  xml = setElement(xml, 'MsgId', fresh('RT'));
  xml = setElement(xml, 'RtrId', fresh('RI'));
  return xml;
}

/** pain.001.001.09 with one transaction (from the synthetic CBPR+ sample), fresh ids. */
export function pain001(amount = '100.00'): { xml: string; msgId: string; endToEndId: string; uetr: string } {
  const msgId = fresh('PN');
  const endToEndId = fresh('E2E');
  const uetr = randomUUID();
  let xml = sample('pain.001.001.09', 'cbpr-ur-synthetic-aud.xml');
  xml = setElement(xml, 'MsgId', msgId);
  xml = setElement(xml, 'BizMsgIdr', msgId);
  xml = setElement(xml, 'EndToEndId', endToEndId);
  xml = setElement(xml, 'UETR', uetr);
  xml = setElement(xml, 'Amt', amount);
  return { xml, msgId, endToEndId, uetr };
}

/**
 * pain.001.001.09 with `count` transactions (the sample's one, repeated with fresh EndToEndId, InstrId and
 * UETR each; NbOfTxs set to match), fresh message ids.
 */
export function pain001WithTransactions(count: number, amount = '10.00'): { xml: string; msgId: string } {
  const one = pain001(amount);
  const block = /<((?:\w+:)?)CdtTrfTxInf>[\s\S]*?<\/(?:\w+:)?CdtTrfTxInf>/.exec(one.xml);
  if (!block) throw new Error('the pain.001 sample has no CdtTrfTxInf');
  const copies = Array.from({ length: count }, (_, i) => {
    let tx = block[0];
    tx = setElement(tx, 'EndToEndId', fresh(`E${i}`));
    tx = setElement(tx, 'InstrId', fresh(`I${i}`));
    tx = setElement(tx, 'UETR', randomUUID());
    return tx;
  });
  const xml = setElement(one.xml.replace(block[0], copies.join('\n')), 'NbOfTxs', String(count));
  return { xml, msgId: one.msgId };
}
