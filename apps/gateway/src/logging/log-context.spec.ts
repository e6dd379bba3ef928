// SPDX-License-Identifier: Apache-2.0
import { currentLogContext, jobLogContext, noteLogSubject, PaymentSubjects, runWithLogContext } from './log-context.js';

const A = { transactionId: 'tx-a', uetr: 'uetr-a', clientId: 'bank-a' };
const B = { transactionId: 'tx-b', uetr: null, clientId: 'bank-a' };

describe('the log context', () => {
  it('is the same object across awaits inside a run, and absent outside', async () => {
    const ctx = { requestId: 'r1' };
    await runWithLogContext(ctx, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentLogContext()).toBe(ctx);
    });
    expect(currentLogContext()).toBeUndefined();
  });

  it('a job names its payment from its first line when this process saw it, and learns its UETR and client at its first change', () => {
    const first = jobLogContext({ type: 'payment.process', transactionId: 'tx-unseen' }, 2);
    expect(first).toEqual({ jobType: 'payment.process', attempt: 2, transactionId: 'tx-unseen' });
    runWithLogContext(first, () => noteLogSubject({ transactionId: 'tx-unseen', uetr: 'u', clientId: 'c' }));
    expect(first).toMatchObject({ uetr: 'u', clientId: 'c' });
    expect(jobLogContext({ type: 'payment.release', transactionId: 'tx-unseen' }, 1)).toEqual({
      jobType: 'payment.release',
      attempt: 1,
      transactionId: 'tx-unseen',
      uetr: 'u',
      clientId: 'c',
    });
  });

  it('a job is not renamed by a change of another payment', () => {
    const ctx = jobLogContext({ type: 'payment.return', transactionId: 'tx-return' }, 1);
    runWithLogContext(ctx, () => noteLogSubject(A));
    expect(ctx).toEqual({ jobType: 'payment.return', attempt: 1, transactionId: 'tx-return' });
  });

  it('a request names the payment it changed; one that changed several names none', () => {
    const one = { requestId: 'r1' };
    runWithLogContext(one, () => {
      noteLogSubject(A);
      noteLogSubject(A);
    });
    expect(one).toEqual({ requestId: 'r1', ...A });
    const several = { requestId: 'r2' };
    runWithLogContext(several, () => {
      noteLogSubject(A);
      noteLogSubject(B);
      noteLogSubject(A);
    });
    expect(several).toEqual({ requestId: 'r2' });
  });

  it('remembers a bounded number of payments, dropping the oldest', () => {
    const subjects = new PaymentSubjects(2);
    subjects.remember(A);
    subjects.remember(B);
    subjects.remember({ transactionId: 'tx-c', uetr: null, clientId: 'x' });
    expect(subjects.size).toBe(2);
    expect(subjects.get('tx-a')).toBeUndefined();
    expect(subjects.get('tx-b')).toEqual(B);
  });
});
