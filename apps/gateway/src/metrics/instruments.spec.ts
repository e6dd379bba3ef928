// SPDX-License-Identifier: Apache-2.0
import { PaymentStatusChangedEvent, ScreeningUnavailableError, type PaymentEventSubject, type ScreeningService } from '#application';
import { Registry } from 'prom-client';
import { GatewayInstruments, reasonLabel, statusClass } from './instruments.js';
import { meteredScreening } from './metered-screening.js';
import { cachedRead } from './metrics.registry.js';
import { PaymentMetricsHandler } from './payment-metrics.handler.js';

const subject: PaymentEventSubject = {
  transactionId: 'tx-1',
  kind: 'payment',
  clientId: 'bank-a',
  uetr: null,
  messageType: 'pacs.008.001.08',
  channel: 'http',
  receivedAt: '2026-01-01T10:00:00.000Z',
};

function change(from: string | null, to: string, at: string, reason: string | null = null) {
  return new PaymentStatusChangedEvent(
    {
      name: 'payment.status-changed',
      transactionId: 'tx-1',
      from: from as never,
      to: to as never,
      reason: reason ? { code: reason } : null,
      at,
    },
    subject,
  );
}

async function text(instruments: GatewayInstruments): Promise<string> {
  const registry = new Registry();
  for (const m of instruments.all()) registry.registerMetric(m);
  return registry.metrics();
}

describe('metrics instruments', () => {
  it('labels reasons by ISO code only, and statuses by class', () => {
    expect(reasonLabel(null)).toBe('none');
    expect(reasonLabel('AB05')).toBe('AB05');
    expect(reasonLabel('something the host made up')).toBe('other');
    expect(statusClass(202)).toBe('2xx');
    expect(statusClass(503)).toBe('5xx');
  });

  it('counts each stored change and times RCVD to a terminal status, with no id in any label', async () => {
    const instruments = new GatewayInstruments();
    const handler = new PaymentMetricsHandler(instruments);
    handler.handle(change(null, 'RCVD', '2026-01-01T10:00:00.000Z'));
    handler.handle(change('RCVD', 'ACTC', '2026-01-01T10:00:01.000Z'));
    handler.handle(change('ACTC', 'RJCT', '2026-01-01T10:00:03.500Z', 'AM04'));
    const out = await text(instruments);
    expect(out).toContain('clearway_payment_transitions_total{from="none",to="RCVD",reason="none",kind="payment"} 1');
    expect(out).toContain('clearway_payment_transitions_total{from="RCVD",to="ACTC",reason="none",kind="payment"} 1');
    expect(out).toContain('clearway_payment_transitions_total{from="ACTC",to="RJCT",reason="AM04",kind="payment"} 1');
    expect(out).toContain('clearway_payment_received_to_terminal_seconds_count{status="RJCT",kind="payment"} 1');
    expect(out).toContain('clearway_payment_received_to_terminal_seconds_sum{status="RJCT",kind="payment"} 3.5');
    expect(out).toContain('clearway_payment_received_to_terminal_seconds_bucket{le="5",status="RJCT",kind="payment"} 1');
    expect(out).toContain('clearway_payment_received_to_terminal_seconds_bucket{le="2.5",status="RJCT",kind="payment"} 0');
    expect(out).not.toMatch(/tx-1|bank-a/);
  });

  it('times screening calls by outcome and passes ping through', async () => {
    const instruments = new GatewayInstruments();
    const answers: Array<() => Promise<never> | Promise<{ kind: 'clear' | 'hit'; reference: null; text: null }>> = [
      async () => ({ kind: 'clear', reference: null, text: null }),
      async () => ({ kind: 'hit', reference: null, text: null }),
      () => Promise.reject(new ScreeningUnavailableError('no answer within 100 ms')),
      () => Promise.reject(new Error('bug')),
    ];
    let pinged = 0;
    const service: ScreeningService & { ping(): Promise<void> } = {
      name: 'http',
      screen: () => answers.shift()!() as never,
      ping: async () => void pinged++,
    };
    const metered = meteredScreening(service, instruments) as ScreeningService & { ping?: () => Promise<void> };
    await metered.screen({} as never);
    await metered.screen({} as never);
    await expect(metered.screen({} as never)).rejects.toBeInstanceOf(ScreeningUnavailableError);
    await expect(metered.screen({} as never)).rejects.toThrow('bug');
    await metered.ping!();
    expect(pinged).toBe(1);
    const out = await text(instruments);
    for (const outcome of ['clear', 'hit', 'unavailable', 'error']) {
      expect(out).toContain(`clearway_screening_duration_seconds_count{service="http",outcome="${outcome}"} 1`);
    }
  });

  it('records host calls reported by an adapter under the configured transport', async () => {
    const instruments = new GatewayInstruments();
    const observe = instruments.hostCallObserver('amqp');
    observe({ operation: 'deliver', outcome: 'timeout', seconds: 5 });
    observe({ operation: 'status', outcome: 'settled', seconds: 0.02 });
    const out = await text(instruments);
    expect(out).toContain('clearway_host_call_duration_seconds_count{host="amqp",operation="deliver",outcome="timeout"} 1');
    expect(out).toContain('clearway_host_call_duration_seconds_sum{host="amqp",operation="deliver",outcome="timeout"} 5');
    expect(out).toContain('clearway_host_call_duration_seconds_count{host="amqp",operation="status",outcome="settled"} 1');
  });

  it('reuses a scrape-time read for its time to live, and reads again after it or after a failure', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const read = cachedRead(
      async () => {
        reads++;
        if (fail) throw new Error('queue down');
        return reads;
      },
      1000,
      () => now,
    );
    expect(await read()).toBe(1);
    now = 999;
    expect(await read()).toBe(1);
    now = 1000;
    expect(await read()).toBe(2);
    fail = true;
    now = 5000;
    await expect(read()).rejects.toThrow('queue down');
    fail = false;
    expect(await read()).toBe(4);
  });
});
