import { ConfigError, loadGatewayConfig } from './gateway.config.js';

describe('gateway configuration: the MQ settings', () => {
  it('has no broker by default (HTTP host, no front door)', () => {
    const c = loadGatewayConfig({});
    expect(c.hostTransport).toBe('http');
    expect(c.amqp).toBeNull();
  });

  it('HOST_TRANSPORT=amqp takes the default broker and queue names', () => {
    const c = loadGatewayConfig({ HOST_TRANSPORT: 'amqp', MQ_CLIENT_ID: 'bank-a' });
    expect(c.hostTransport).toBe('amqp');
    expect(c.amqp).toEqual({
      url: 'amqp://127.0.0.1:5672',
      clientId: 'bank-a',
      prefetch: 32,
      topology: {
        requestQueue: 'clearway.host.requests',
        replyQueue: 'clearway.host.replies',
        inboundQueue: 'inbox.pacs.008',
        outboundQueue: 'outbox.pacs.002',
        deadLetterExchange: 'clearway.dlx',
      },
    });
  });

  it('AMQP_URL alone opens the front door with an HTTP host; names come from the environment', () => {
    const c = loadGatewayConfig({
      AMQP_URL: 'amqps://u:p@mq.example:5671/pay',
      INBOUND_QUEUE: 'bank.in',
      OUTBOUND_QUEUE: 'bank.out',
      MQ_PREFETCH: '5',
    });
    expect(c.hostTransport).toBe('http');
    expect(c.amqp).toMatchObject({ url: 'amqps://u:p@mq.example:5671/pay', clientId: null, prefetch: 5, topology: { inboundQueue: 'bank.in', outboundQueue: 'bank.out' } });
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => loadGatewayConfig({ HOST_TRANSPORT: 'ibmmq' })).toThrow(/HOST_TRANSPORT must be one of http, amqp/);
    expect(() => loadGatewayConfig({ AMQP_URL: 'http://broker' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ HOST_TRANSPORT: 'amqp', LEGACY_HOST_URL: 'http://h' })).toThrow(/LEGACY_HOST_URL is for HOST_TRANSPORT=http/);
    expect(() => loadGatewayConfig({ HOST_TRANSPORT: 'amqp', INBOUND_QUEUE: 'in box' })).toThrow(/INBOUND_QUEUE/);
    expect(() => loadGatewayConfig({ HOST_TRANSPORT: 'amqp', MQ_CLIENT_ID: 'no spaces' })).toThrow(/MQ_CLIENT_ID/);
  });
});
