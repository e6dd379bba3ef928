// SPDX-License-Identifier: Apache-2.0
import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { PaymentStatusChangedEvent, type SubmitPaymentResult } from '#application';
import { logRefusedDuplicate } from './intake-log.js';
import { jobLogContext, runWithLogContext } from './log-context.js';
import { createRootLogger, nestLoggerOn } from './logger.js';
import { PaymentAuditLog } from './payment-audit.handler.js';

// Nest's Logger writes through nestjs-pino onto a root logger that keeps its lines here (one root per process).
const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});
Logger.overrideLogger(nestLoggerOn(createRootLogger({ level: 'log', format: 'json' }, sink)));
const written = () => lines.splice(0).map((l) => JSON.parse(l) as Record<string, unknown>);

const SUBJECT = {
  transactionId: 'tx-1',
  kind: 'payment' as const,
  clientId: 'bank-a',
  uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf',
  messageType: 'pacs.008.001.08',
  channel: 'api',
  receivedAt: '2026-12-05T10:00:00.000Z',
};

describe('the audit log', () => {
  it('writes one INFO line per stored status change, with who and what, in the context of the job that made it', () => {
    const event = new PaymentStatusChangedEvent(
      {
        name: 'payment.status-changed',
        transactionId: 'tx-1',
        from: 'ACSP',
        to: 'RJCT',
        reason: { code: 'AC04', text: 'closed account' },
        at: '2026-12-05T10:00:01.000Z',
      },
      SUBJECT,
    );
    runWithLogContext(jobLogContext({ type: 'payment.release', transactionId: 'tx-1' }, 3), () => new PaymentAuditLog().handle(event));
    const [line, ...rest] = written();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      level: 'info',
      context: 'Audit',
      msg: 'payment status changed',
      transactionId: 'tx-1',
      uetr: SUBJECT.uetr,
      clientId: 'bank-a',
      messageType: 'pacs.008.001.08',
      channel: 'api',
      from: 'ACSP',
      to: 'RJCT',
      reasonCode: 'AC04',
      jobType: 'payment.release',
      attempt: 3,
    });
    expect(JSON.stringify(line)).not.toContain('closed account');
  });
});

describe('a refused duplicate', () => {
  it('names the transaction it duplicates when that is the same client’s', () => {
    logRefusedDuplicate({ kind: 'duplicate', by: 'uetr', existingId: 'tx-1' }, 'bank-a', 'api');
    logRefusedDuplicate({ kind: 'idempotency-conflict', transactionId: 'tx-2' }, 'bank-a', 'mq');
    expect(written()).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'duplicate refused',
        code: 'PAYMENT.DUPLICATE',
        clientId: 'bank-a',
        duplicateBy: 'uetr',
        duplicateOf: 'tx-1',
        transactionId: 'tx-1',
      }),
      expect.objectContaining({
        msg: 'duplicate refused',
        code: 'IDEMPOTENCY.KEY_REUSED',
        channel: 'mq',
        duplicateOf: 'tx-2',
        transactionId: 'tx-2',
      }),
    ]);
  });

  it('names none when it is another client’s (the use case hands out no id then)', () => {
    logRefusedDuplicate({ kind: 'duplicate', by: 'msgid-endtoendid', existingId: null }, 'bank-b', 'api');
    const [line] = written();
    expect(line).toMatchObject({ msg: 'duplicate refused', clientId: 'bank-b', duplicateBy: 'msgid-endtoendid' });
    expect(line).not.toHaveProperty('transactionId');
    expect(line).not.toHaveProperty('duplicateOf');
  });

  it('logs nothing for the other outcomes', () => {
    const accepted: SubmitPaymentResult = {
      kind: 'accepted',
      transactionId: 't',
      status: 'RCVD',
      messageType: 'pacs.008.001.08',
      replayed: false,
    };
    logRefusedDuplicate(accepted, 'bank-a', 'api');
    expect(written()).toEqual([]);
  });
});
