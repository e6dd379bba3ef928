// SPDX-License-Identifier: Apache-2.0
import type { Iso20022Codec, ParsedMessage } from '#iso20022';
import type { AnswerWriter } from '../answers/answer.writer.js';
import type { PaymentIntake } from '../intake/payment-intake.js';
import type { IntakeRequest, TransactionIntake } from '../intake/transaction-intake.js';
import { InitiatePayments } from './initiate-payments.js';

/** A pain.001 as read by the codec: `count` transactions without a usable amount (each ends RJCT AM03, no child). */
function codecReading(count: number): Iso20022Codec {
  const transactions = Array.from({ length: count }, (_, i) => ({
    instrId: null,
    endToEndId: `E2E-${i}`,
    uetr: null,
    instructedAmount: null,
    equivalentAmount: null,
    currencyOfTransfer: null,
  }));
  return {
    readPain001: () => ({
      groupHeader: { msgId: 'PAIN-1', creationDateTime: '2026-12-04T10:00:00Z', numberOfTransactions: count, initiatingParty: {} },
      paymentInformation: [{ pmtInfId: 'P1', transactions }],
    }),
  } as unknown as Iso20022Codec;
}

const nothingWritten = () => {
  throw new Error('nothing may be written');
};
const STOP = new Error('stop after the loop');
const req: IntakeRequest = { clientId: 'bank-a', channel: 'api', text: '<x/>', requestHash: 'h', transactionId: null };
const parsed = { messageType: 'pain.001.001.09' } as ParsedMessage;

function initiations(count: number, max?: number) {
  const intake = {
    clock: {
      now: () => {
        throw STOP;
      },
    },
    create: nothingWritten,
  } as unknown as TransactionIntake;
  const payments = { take: nothingWritten } as unknown as PaymentIntake;
  const answers = { withAppHdr: nothingWritten } as unknown as AnswerWriter;
  const settings =
    max === undefined
      ? undefined
      : { mode: 'proxy' as const, slaMs: 1, recoveryAfterMs: 1, completedJobRetentionMs: 1, maxTransactionsPerMessage: max };
  return new InitiatePayments(codecReading(count), intake, payments, answers, settings);
}

describe('InitiatePayments: transactions per message', () => {
  it('refuses a pain.001 with more transactions than the cap before anything is written', async () => {
    await expect(initiations(11, 10).take(req, 'id-1', parsed, undefined)).resolves.toEqual({
      kind: 'unprocessable',
      code: 'MESSAGE.TOO_MANY_TRANSACTIONS',
      detail: expect.stringContaining('11 transactions; at most 10'),
    });
    // the default cap is 250
    await expect(initiations(251).take(req, 'id-2', parsed, undefined)).resolves.toMatchObject({ code: 'MESSAGE.TOO_MANY_TRANSACTIONS' });
  });

  it('takes a pain.001 at the cap, yielding to the event loop between two children', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    // every transaction is refused without a child here; the loop reaches the end (where the fake intake stops it)
    await expect(initiations(10, 10).take(req, 'id-3', parsed, undefined)).rejects.toBe(STOP);
    running = false;
    expect(ticks).toBeGreaterThanOrEqual(9);
  });
});
