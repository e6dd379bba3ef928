// SPDX-License-Identifier: Apache-2.0
import { HostUnavailableError, type HostMessage } from '../ports/legacy-host.port.js';
import { FakeLegacyHost } from './in-memory.fakes.js';

const UETR = '8a562c67-ca16-48ba-b074-65581be6f011';
const payment: HostMessage = {
  transactionId: 'tx-1',
  uetr: UETR,
  idempotencyKey: UETR,
  messageType: 'pacs.008.001.08',
  message: '<Document/>',
};
const inquiry = (n: number, over: Partial<HostMessage> = {}): HostMessage => ({
  ...payment,
  idempotencyKey: `${UETR}:status:${n}`,
  messageType: 'pacs.028.001.03',
  ...over,
});

describe('FakeLegacyHost', () => {
  it('answers a status request from what it decided, and unknown for a payment it never took', async () => {
    const host = new FakeLegacyHost();
    expect(await host.requestStatus(inquiry(1))).toMatchObject({ kind: 'unknown', reasonCode: 'NOOR' });
    host.nextOutcome = { kind: 'rejected', reasonCode: 'AC04', reasonText: 'closed account', statusReport: null };
    expect(await host.deliver(payment)).toMatchObject({ kind: 'rejected', reasonCode: 'AC04' });
    expect(await host.requestStatus(inquiry(2, { uetr: UETR.toUpperCase() }))).toMatchObject({ kind: 'rejected', reasonCode: 'AC04' });
    expect(host.calls.map((c) => c.method)).toEqual(['requestStatus', 'deliver', 'requestStatus']);
  });

  it('loses an answer after settling: the release fails, the status request says settled', async () => {
    const host = new FakeLegacyHost();
    host.dropAnswers = 1;
    await expect(host.deliver(payment)).rejects.toBeInstanceOf(HostUnavailableError);
    expect(await host.requestStatus(inquiry(1))).toEqual({ kind: 'settled', statusReport: null });
    // a re-delivery gets the first decision
    expect(await host.deliver(payment)).toEqual({ kind: 'settled', statusReport: null });
    host.statusFailure = new HostUnavailableError('down', true);
    await expect(host.requestStatus(inquiry(2))).rejects.toThrow('down');
  });
});
