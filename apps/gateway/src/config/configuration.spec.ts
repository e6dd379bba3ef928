// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { DEFAULT_TOPOLOGY } from '#adapters/amqp';
import { ConfigError, loadConfiguration, parseClients, resolveMqClient } from './configuration.js';
import { ALL_NAMESPACES, compatConfig, workerConfig } from './namespaces.js';

const loadAdapterSelection = (env: Record<string, string>) => loadConfiguration(env).store;

const BANK_A = JSON.stringify([{ id: 'bank-a', secret: 'bank-a-secret-0001', scopes: ['payments:read', 'rp2/write'] }]);
const BALANCES = '{"DE89370400440532013000":"1000.00 EUR","GB29NWBK60161331926819":"250.50 EUR","JP-ACC-1":"5000 JPY"}';

describe('gateway config: the core-mode ledger', () => {
  it('is on in MODE=core when LEDGER_OPENING_BALANCES is set, with the balances as decimal strings', () => {
    const c = loadConfiguration({ MODE: 'core', LEDGER_OPENING_BALANCES: BALANCES });
    expect(c.ledger).toEqual({
      enabled: true,
      ignored: [],
      openingBalances: [
        { id: 'DE89370400440532013000', balance: '1000.00', currency: 'EUR' },
        { id: 'GB29NWBK60161331926819', balance: '250.50', currency: 'EUR' },
        { id: 'JP-ACC-1', balance: '5000', currency: 'JPY' },
      ],
    });
  });

  it('is on with LEDGER_ENABLED=true and no balances, off by default, off in proxy mode (the settings named as ignored)', () => {
    expect(loadConfiguration({ MODE: 'core', LEDGER_ENABLED: 'true' }).ledger).toEqual({ enabled: true, openingBalances: [], ignored: [] });
    expect(loadConfiguration({ MODE: 'core' }).ledger.enabled).toBe(false);
    expect(loadConfiguration({ LEDGER_OPENING_BALANCES: BALANCES }).ledger).toEqual({
      enabled: false,
      openingBalances: [],
      ignored: ['LEDGER_OPENING_BALANCES'],
    });
  });

  it('takes the largest balance the ledger keeps, 2^63-1 minor units', () => {
    const c = loadConfiguration({
      MODE: 'core',
      LEDGER_OPENING_BALANCES: '{"ACC1":"92233720368547758.07 EUR","ACC2":"999999999999999999 JPY"}',
    });
    expect(c.ledger.openingBalances).toEqual([
      { id: 'ACC1', balance: '92233720368547758.07', currency: 'EUR' },
      { id: 'ACC2', balance: '999999999999999999', currency: 'JPY' },
    ]);
  });

  it.each([
    ['not JSON', '{"A":', /not valid JSON/],
    ['an array', '["1.00 EUR"]', /must be a JSON object/],
    ['a number instead of a string', '{"ACC1":1000}', /LEDGER_OPENING_BALANCES\["ACC1"\] must be a string "<amount> <currency>"/],
    ['no currency', '{"ACC1":"1000.00"}', /\["ACC1"\] must be a string/],
    ['a negative amount', '{"ACC1":"-5.00 EUR"}', /\["ACC1"\] must be a string/],
    ['too many decimals', '{"ACC1":"1.001 EUR"}', /\["ACC1"\]: amount: EUR has 2 decimal/],
    ['an unknown currency', '{"ACC1":"1 XAU"}', /\["ACC1"\]: currency: XAU is not an active ISO 4217 currency/],
    ['a bad account id', '{"a b":"1 EUR"}', /account id "a b"/],
    [
      'a balance over 2^63-1 minor units',
      '{"ACC1":"92233720368547758.08 EUR"}',
      /\["ACC1"\]: 92233720368547758.08 EUR is more than the ledger keeps/,
    ],
    ['18 integer digits in a 2-decimal currency', '{"ACC1":"999999999999999999 EUR"}', /LEDGER.AMOUNT_TOO_LARGE/],
  ])('refuses %s with a message naming the setting', (_what, raw, message) => {
    expect(() => loadConfiguration({ MODE: 'core', LEDGER_OPENING_BALANCES: raw })).toThrow(ConfigError);
    expect(() => loadConfiguration({ MODE: 'core', LEDGER_OPENING_BALANCES: raw })).toThrow(message);
  });

  it('refuses LEDGER_ENABLED other than true/false, and LEDGER_ENABLED=false with balances', () => {
    expect(() => loadConfiguration({ MODE: 'core', LEDGER_ENABLED: 'yes' })).toThrow(/LEDGER_ENABLED must be true or false/);
    expect(() => loadConfiguration({ MODE: 'core', LEDGER_ENABLED: 'false', LEDGER_OPENING_BALANCES: BALANCES })).toThrow(/contradicts/);
  });
});

describe('gateway configuration: business rules and screening', () => {
  it('has no limit, no country lists and no screening by default', () => {
    const c = loadConfiguration({});
    expect(c.rules).toMatchObject({ amountLimits: null, creditorCountryAllow: null, creditorCountryDeny: [], order: [] });
    expect(c.rules.screening).toBeNull();
  });

  it('reads MAX_AMOUNT as a global and per-currency limits', () => {
    const c = loadConfiguration({ MAX_AMOUNT: '1000000.00, 150000000 JPY' });
    expect(c.rules.amountLimits).toEqual({ global: '1000000.00', perCurrency: { JPY: '150000000' } });
    expect(() => loadConfiguration({ MAX_AMOUNT: 'a lot' })).toThrow(ConfigError);
    expect(() => loadConfiguration({ MAX_AMOUNT: '5 XAU' })).toThrow(/^MAX_AMOUNT: XAU/);
  });

  it('reads the creditor country lists', () => {
    const c = loadConfiguration({ CREDITOR_COUNTRY_ALLOW: 'de,fr', CREDITOR_COUNTRY_DENY: 'KP, IR' });
    expect(c.rules).toMatchObject({ creditorCountryAllow: ['DE', 'FR'], creditorCountryDeny: ['KP', 'IR'] });
    expect(() => loadConfiguration({ CREDITOR_COUNTRY_DENY: 'Narnia' })).toThrow(/^CREDITOR_COUNTRY_DENY: "NARNIA"/);
  });

  it('reads BUSINESS_RULES_ORDER and refuses ids that are no rule', () => {
    expect(loadConfiguration({ BUSINESS_RULES_ORDER: 'creditor-country, currency' }).rules.order).toEqual(['creditor-country', 'currency']);
    expect(() => loadConfiguration({ BUSINESS_RULES_ORDER: 'currency,sanctions' })).toThrow(/"sanctions" is not a business rule/);
  });

  it('enables screening with SCREENING_URL, fail-closed and 2000 ms unless told otherwise', () => {
    expect(loadConfiguration({ SCREENING_URL: 'http://127.0.0.1:9/screen' }).rules.screening).toEqual({
      url: 'http://127.0.0.1:9/screen',
      timeoutMs: 2000,
      failure: 'closed',
      authHeader: null,
    });
    const open = loadConfiguration({ SCREENING_URL: 'https://s.example/v1', SCREENING_FAILURE: 'open', SCREENING_TIMEOUT_MS: '250' });
    expect(open.rules.screening).toMatchObject({ failure: 'open', timeoutMs: 250 });
    expect(() => loadConfiguration({ SCREENING_URL: 'ftp://x' })).toThrow(/SCREENING_URL must be an http\(s\) URL/);
    expect(() => loadConfiguration({ SCREENING_URL: 'http://x', SCREENING_FAILURE: 'maybe' })).toThrow(
      /SCREENING_FAILURE must be one of open, closed/,
    );
    expect(() => loadConfiguration({ SCREENING_URL: 'http://x', SCREENING_TIMEOUT_MS: '0' })).toThrow(/SCREENING_TIMEOUT_MS/);
  });

  it('refuses credentials in SCREENING_URL and never repeats the URL in its errors', () => {
    expect(() => loadConfiguration({ SCREENING_URL: 'ldap://user:s3cret@host' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
    expect(() => loadConfiguration({ SCREENING_URL: 'https://user:s3cret@host/screen' })).toThrow(
      expect.objectContaining({ message: 'SCREENING_URL must not carry credentials; put them in SCREENING_AUTH_HEADER' }),
    );
  });
});

describe('gateway configuration: the MQ settings', () => {
  it('has no broker by default (HTTP host, no front door)', () => {
    const c = loadConfiguration({});
    expect(c.host.transport).toBe('http');
    expect(c.amqp.enabled).toBe(false);
  });

  it('HOST_TRANSPORT=amqp takes the default broker and queue names', () => {
    const c = loadConfiguration({ HOST_TRANSPORT: 'amqp', MQ_CLIENT_ID: 'bank-a', CLEARWAY_CLIENTS: BANK_A });
    expect(c.host.transport).toBe('amqp');
    expect(c.amqp).toEqual({
      enabled: true,
      tls: null,
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
    const c = loadConfiguration({
      AMQP_URL: 'amqps://u:p@mq.example:5671/pay',
      INBOUND_QUEUE: 'bank.in',
      OUTBOUND_QUEUE: 'bank.out',
      MQ_PREFETCH: '5',
    });
    expect(c.host.transport).toBe('http');
    expect(c.amqp).toMatchObject({
      enabled: true,
      url: 'amqps://u:p@mq.example:5671/pay',
      clientId: null,
      prefetch: 5,
      topology: { inboundQueue: 'bank.in', outboundQueue: 'bank.out' },
    });
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => loadConfiguration({ HOST_TRANSPORT: 'ibmmq' })).toThrow(/HOST_TRANSPORT must be one of http, amqp/);
    expect(() => loadConfiguration({ AMQP_URL: 'http://broker' })).toThrow(ConfigError);
    expect(() => loadConfiguration({ HOST_TRANSPORT: 'amqp', LEGACY_HOST_URL: 'http://h' })).toThrow(
      /LEGACY_HOST_URL is for HOST_TRANSPORT=http/,
    );
    expect(() => loadConfiguration({ HOST_TRANSPORT: 'amqp', INBOUND_QUEUE: 'in box' })).toThrow(/INBOUND_QUEUE/);
    expect(() => loadConfiguration({ HOST_TRANSPORT: 'amqp', MQ_CLIENT_ID: 'no spaces' })).toThrow(/MQ_CLIENT_ID/);
  });
});

const AWS_ALL = {
  STORE: 'dynamodb',
  QUEUE: 'sqs',
  SECRETS: 'aws',
  ARCHIVE: 's3',
  AWS_REGION: 'eu-central-1',
  DYNAMODB_TABLE: 'clearway',
  SQS_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/clearway-jobs.fifo',
  SQS_DLQ_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/clearway-jobs-dlq.fifo',
  S3_BUCKET: 'clearway-archive',
};

describe('adapter selection (STORE, QUEUE, SECRETS, ARCHIVE)', () => {
  it('defaults to the embedded adapters and needs no AWS setting', () => {
    const a = loadConfiguration({}).store;
    expect(a).toMatchObject({ store: 'embedded', queue: 'embedded', secrets: 'file', archive: 'embedded' });
    expect(a.aws.region).toBeNull();
  });

  it('reads every AWS setting, the SDK endpoint variables and the documented defaults', () => {
    const a = loadAdapterSelection({
      ...AWS_ALL,
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9999',
    });
    expect(a).toMatchObject({ store: 'dynamodb', queue: 'sqs', secrets: 'aws', archive: 's3' });
    expect(a.aws).toMatchObject({
      region: 'eu-central-1',
      dynamodbTable: 'clearway',
      sqsQueue: AWS_ALL.SQS_QUEUE_URL,
      sqsDeadLetterQueue: AWS_ALL.SQS_DLQ_URL,
      s3Bucket: 'clearway-archive',
      s3Prefix: '',
      secretsPrefix: 'clearway/',
      sqsWaitSeconds: 1,
      secretsCacheSeconds: 300,
      // service-specific endpoint first, then the SDK's global AWS_ENDPOINT_URL
      endpoints: {
        dynamodb: 'http://127.0.0.1:8000',
        sqs: 'http://127.0.0.1:4566',
        s3: 'http://127.0.0.1:9999',
        secretsManager: 'http://127.0.0.1:9999',
      },
    });
  });

  it('accepts queue names instead of URLs, and AWS_DEFAULT_REGION', () => {
    const { SQS_QUEUE_URL: _u, SQS_DLQ_URL: _d, AWS_REGION: _r, ...rest } = AWS_ALL;
    const a = loadAdapterSelection({
      ...rest,
      AWS_DEFAULT_REGION: 'us-east-2',
      SQS_QUEUE_NAME: 'jobs.fifo',
      SQS_DLQ_NAME: 'jobs-dlq.fifo',
    });
    expect(a.aws).toMatchObject({ region: 'us-east-2', sqsQueue: 'jobs.fifo', sqsDeadLetterQueue: 'jobs-dlq.fifo' });
  });

  it.each([
    ['AWS_REGION', /^AWS_REGION is required when an adapter runs on AWS/],
    ['DYNAMODB_TABLE', /^DYNAMODB_TABLE is required when STORE=dynamodb$/],
    ['SQS_QUEUE_URL', /^SQS_QUEUE_URL \(or SQS_QUEUE_NAME\) is required when QUEUE=sqs$/],
    ['SQS_DLQ_URL', /^SQS_DLQ_URL \(or SQS_DLQ_NAME\) is required when QUEUE=sqs$/],
    ['S3_BUCKET', /^S3_BUCKET is required when ARCHIVE=s3$/],
  ])('fails fast naming %s when it is missing', (missing, message) => {
    const env: Record<string, string> = { ...AWS_ALL };
    delete env[missing];
    expect(() => loadConfiguration(env)).toThrow(ConfigError);
    expect(() => loadConfiguration(env)).toThrow(message);
  });

  it('refuses unknown adapters, non-FIFO queues, bad endpoints and QUEUE=sqs on the embedded store', () => {
    expect(() => loadAdapterSelection({ STORE: 'mysql' })).toThrow('STORE must be one of embedded, dynamodb, postgres, got "mysql"');
    expect(() => loadAdapterSelection({ ...AWS_ALL, SQS_QUEUE_URL: 'https://sqs.x/1/jobs' })).toThrow(/FIFO/);
    expect(() => loadAdapterSelection({ ...AWS_ALL, AWS_ENDPOINT_URL_SQS: 'localhost:4566' })).toThrow(
      'AWS_ENDPOINT_URL_SQS must be an http(s) URL, got "localhost:4566"',
    );
    expect(() => loadAdapterSelection({ ...AWS_ALL, STORE: 'embedded' })).toThrow(/QUEUE=sqs needs STORE=dynamodb/);
    expect(() => loadAdapterSelection({ ...AWS_ALL, SQS_WAIT_SECONDS: '21' })).toThrow(/SQS_WAIT_SECONDS/);
  });

  it('lets single ports move to AWS (DynamoDB store with the embedded queue, S3 archive alone)', () => {
    expect(loadAdapterSelection({ STORE: 'dynamodb', AWS_REGION: 'eu-west-1', DYNAMODB_TABLE: 't' })).toMatchObject({
      store: 'dynamodb',
      queue: 'embedded',
    });
    expect(loadAdapterSelection({ ARCHIVE: 's3', AWS_REGION: 'eu-west-1', S3_BUCKET: 'b' }).archive).toBe('s3');
  });
});

describe('gateway configuration: PostgreSQL (STORE=postgres)', () => {
  const PG = {
    STORE: 'postgres',
    DATABASE_URL: 'postgres://clearway:pw-0001@db.internal:5432/clearway',
    SECRETS_ENCRYPTION_KEY: 'A'.repeat(43) + '=',
  };

  it('puts the queue, archive and secrets on PostgreSQL with the store unless they are set', () => {
    const a = loadAdapterSelection(PG);
    expect(a).toMatchObject({ store: 'postgres', queue: 'postgres', archive: 'postgres', secrets: 'postgres' });
    expect(a.postgres).toEqual({
      url: PG.DATABASE_URL,
      ssl: { mode: 'disable', caFile: null, certFile: null, keyFile: null },
      poolSize: 10,
      schema: null,
      migrate: true,
      secretsKey: { value: PG.SECRETS_ENCRYPTION_KEY },
    });
    const own = loadAdapterSelection({ STORE: 'postgres', DATABASE_URL: PG.DATABASE_URL, SECRETS: 'file', ARCHIVE: 'embedded' });
    expect(own).toMatchObject({ queue: 'postgres', secrets: 'file', archive: 'embedded' });
    expect(own.postgres!.secretsKey).toBeNull();
    expect(loadAdapterSelection({}).postgres).toBeNull();
  });

  it('migrates at start outside production only, and verifies the server certificate in production, unless told', () => {
    const prod = { ...PG, NODE_ENV: 'production', CLEARWAY_CLIENTS: BANK_A, LEGACY_HOST_URL: 'https://host.internal' };
    expect(loadAdapterSelection(prod).postgres).toMatchObject({ migrate: false, ssl: { mode: 'verify-full' } });
    expect(loadAdapterSelection({ ...prod, DATABASE_MIGRATE: 'true', DATABASE_SSL_MODE: 'require' }).postgres).toMatchObject({
      migrate: true,
      ssl: { mode: 'require' },
    });
  });

  it.each([
    [{ STORE: 'postgres' }, /^DATABASE_URL is required when an adapter is on PostgreSQL/],
    [{ ...PG, QUEUE: 'embedded' }, /STORE=postgres and QUEUE=postgres go together/],
    [{ QUEUE: 'postgres', DATABASE_URL: PG.DATABASE_URL }, /STORE=postgres and QUEUE=postgres go together/],
    [{ ...PG, DATABASE_URL: 'postgres://db.internal/clearway?sslmode=disable' }, /must not carry sslmode: set DATABASE_SSL_MODE/],
    [
      { ...PG, DATABASE_URL: 'postgres://db.internal/clearway?options=-c%20search_path%3Dother' },
      /must not carry options: set DATABASE_SCHEMA/,
    ],
    [{ ...PG, DATABASE_URL: 'mysql://db/x' }, /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/],
    [{ ...PG, DATABASE_SSL_CERT_FILE: '/etc/c.pem' }, /DATABASE_SSL_CERT_FILE and DATABASE_SSL_KEY_FILE go together/],
    [{ ...PG, DATABASE_SSL_CA_FILE: '/etc/ca.pem' }, /need DATABASE_SSL_MODE=require or verify-full/],
    [{ ...PG, SECRETS_ENCRYPTION_KEY: '' }, /SECRETS_ENCRYPTION_KEY \(or SECRETS_ENCRYPTION_KEY_FILE\) is required when SECRETS=postgres/],
    [{ ...PG, SECRETS_ENCRYPTION_KEY: 'c2hvcnQ=' }, /^SECRETS_ENCRYPTION_KEY must be 32 bytes in base64/],
    [{ ...PG, SECRETS_ENCRYPTION_KEY_FILE: '/run/key' }, /not both/],
    [{ ...PG, DATABASE_SCHEMA: 'Bad-Schema' }, /DATABASE_SCHEMA must be a schema name/],
    [{ ...PG, DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE/],
  ])('refuses a PostgreSQL setting that cannot work (%#), never echoing the URL', (env, message) => {
    expect(() => loadAdapterSelection(env as Record<string, string>)).toThrow(message);
    try {
      loadAdapterSelection(env as Record<string, string>);
    } catch (e) {
      expect((e as Error).message).not.toContain('pw-0001');
    }
  });
});

describe('gateway configuration: clients and host credentials in the secret store', () => {
  it('takes a client secret or the name of its secret-store entry, never both or neither', () => {
    const c = loadConfiguration({
      CLEARWAY_CLIENTS: JSON.stringify([
        { id: 'a', secret: 'a-secret-000001', scopes: ['payments:read'] },
        { id: 'b', secretName: 'clients/b', scopes: ['payments:write'] },
      ]),
      LEGACY_HOST_AUTH_SECRET: 'legacy-host/authorization',
    });
    expect(c.clients.clients).toEqual([
      { id: 'a', secret: 'a-secret-000001', scopes: ['payments:read'] },
      { id: 'b', secretName: 'clients/b', scopes: ['payments:write'] },
    ]);
    expect(c.host.authSecret).toBe('legacy-host/authorization');
    expect(() => loadConfiguration({ CLEARWAY_CLIENTS: '[{"id":"x","scopes":[]}]' })).toThrow(/exactly one of secret/);
    expect(() => loadConfiguration({ CLEARWAY_CLIENTS: '[{"id":"x","secret":"x-secret-000001","secretName":"n","scopes":[]}]' })).toThrow(
      /exactly one of secret/,
    );
    expect(() => loadConfiguration({ CLEARWAY_CLIENTS: '[{"id":"x","secretName":"bad name!","scopes":[]}]' })).toThrow(ConfigError);
  });
});

describe('configuration: the edge settings of issue 10 (server, auth throttle, host and broker TLS)', () => {
  it('has the documented defaults', () => {
    const c = loadConfiguration({});
    expect(c.server).toEqual({
      port: 8080,
      host: '0.0.0.0',
      trustedProxies: [],
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      connectionIdleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 65_000,
      maxConnectionsPerSource: 256,
      tls: null,
      apiDocs: 'public',
      metricsPort: null,
    });
    expect(c.runtime.revision).toBe('unknown');
    expect(loadConfiguration({ GIT_REVISION: ' 7fbc180 ' }).runtime.revision).toBe('7fbc180');
    expect(loadConfiguration({ METRICS_PORT: '9464' }).server.metricsPort).toBe(9464);
    expect(c.auth.throttle).toEqual({ failures: 5, windowSeconds: 60, maxSeconds: 900 });
    expect(c.host.tls).toBeNull();
    expect(c.amqp.tls).toBeNull();
    expect(loadConfiguration({ NODE_ENV: 'production', CLEARWAY_CLIENTS: BANK_A, LEGACY_HOST_URL: 'http://h' }).server.apiDocs).toBe('off');
    expect(
      loadConfiguration({ NODE_ENV: 'production', CLEARWAY_CLIENTS: BANK_A, LEGACY_HOST_URL: 'http://h', API_DOCS: 'auth' }).server.apiDocs,
    ).toBe('auth');
  });

  it('refuses settings that cannot work, naming them', () => {
    expect(() => loadConfiguration({ METRICS_PORT: '8080' })).toThrow('METRICS_PORT (8080) must differ from PORT');
    expect(() => loadConfiguration({ METRICS_PORT: '0' })).toThrow('METRICS_PORT must be an integer from 1 to 65535, got "0"');
    expect(() => loadConfiguration({ METRICS_PORT: 'x' })).toThrow('METRICS_PORT must be an integer from 1 to 65535, got "x"');
    expect(() => loadConfiguration({ TLS_CERT_FILE: '/c.pem' })).toThrow('TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither');
    expect(() => loadConfiguration({ TRUSTED_PROXIES: '10.0.0.1, example.com' })).toThrow(
      'TRUSTED_PROXIES: "example.com" is not an IP address or CIDR range',
    );
    expect(() => loadConfiguration({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' })).toThrow(
      'HEADERS_TIMEOUT_MS (5000) must not be more than REQUEST_TIMEOUT_MS (1000)',
    );
    expect(() => loadConfiguration({ API_DOCS: 'yes' })).toThrow('API_DOCS must be one of public, auth, off, got "yes"');
    expect(() => loadConfiguration({ AMQP_TLS_CA_FILE: '/ca.pem', AMQP_URL: 'amqp://broker' })).toThrow(
      'AMQP_TLS_* are set but AMQP_URL is not an amqps:// URL',
    );
    expect(() => loadConfiguration({ HOST_TLS_CERT_FILE: '/c.pem' })).toThrow(
      'HOST_TLS_CERT_FILE and HOST_TLS_KEY_FILE go together (a client certificate and its key)',
    );
    expect(() => loadConfiguration({ AMQP_TLS_KEY_FILE: '/k.pem' })).toThrow(/^AMQP_TLS_CERT_FILE and AMQP_TLS_KEY_FILE go together/);
    expect(() => loadConfiguration({ HOST_TLS_CA_FILE: '/ca.pem', LEGACY_HOST_URL: 'http://host' })).toThrow(
      'HOST_TLS_* are set but LEGACY_HOST_URL is not an https:// URL',
    );
    expect(() => loadConfiguration({ PORT: '70000' })).toThrow('PORT must be an integer from 0 to 65535, got "70000"');
  });

  it('reads TLS files and trusted proxies', () => {
    const c = loadConfiguration({
      TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,fd00::/8',
      TLS_CERT_FILE: '/etc/clearway/tls.crt',
      TLS_KEY_FILE: '/etc/clearway/tls.key',
      AMQP_URL: 'amqps://broker',
      AMQP_TLS_CA_FILE: '/etc/clearway/broker-ca.pem',
      LEGACY_HOST_URL: 'https://host',
      HOST_TLS_CERT_FILE: '/etc/clearway/client.crt',
      HOST_TLS_KEY_FILE: '/etc/clearway/client.key',
    });
    expect(c.server.trustedProxies).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
    expect(c.server.tls).toEqual({ certFile: '/etc/clearway/tls.crt', keyFile: '/etc/clearway/tls.key' });
    expect(c.amqp.tls).toEqual({ caFile: '/etc/clearway/broker-ca.pem', certFile: null, keyFile: null });
    expect(c.host.tls).toEqual({ caFile: null, certFile: '/etc/clearway/client.crt', keyFile: '/etc/clearway/client.key' });
  });
});

describe('configuration: tokens, the host URL, transactions per message (issue 10)', () => {
  it('defaults the issuer to the constant clearway (no port in it), tokens to 900 s, ES256 only, 250 transactions', () => {
    for (const PORT of ['8080', '8082']) {
      const c = loadConfiguration({ PORT });
      expect(c.auth).toMatchObject({ issuer: 'clearway', tokenTtlSeconds: 900, algorithms: ['ES256'], jwksUrl: null });
      expect(c.intake.maxTransactionsPerMessage).toBe(250);
    }
    expect(loadConfiguration({ MAX_TRANSACTIONS_PER_MESSAGE: '10' }).intake.maxTransactionsPerMessage).toBe(10);
    expect(() => loadConfiguration({ MAX_TRANSACTIONS_PER_MESSAGE: '0' })).toThrow(
      'MAX_TRANSACTIONS_PER_MESSAGE must be an integer >= 1, got "0"',
    );
  });

  it('with an external IdP, needs AUTH_ISSUER and pins AUTH_ALGORITHMS (default RS256; never none or HS*)', () => {
    const jwks = { AUTH_JWKS_URL: 'https://idp.example/jwks.json' };
    expect(() => loadConfiguration(jwks)).toThrow(/^AUTH_ISSUER is required when AUTH_JWKS_URL is set/);
    expect(loadConfiguration({ ...jwks, AUTH_ISSUER: 'https://idp.example/' }).auth).toMatchObject({
      issuer: 'https://idp.example/',
      algorithms: ['RS256'],
    });
    expect(loadConfiguration({ ...jwks, AUTH_ISSUER: 'i', AUTH_ALGORITHMS: 'RS256, PS256,ES384' }).auth.algorithms).toEqual([
      'RS256',
      'PS256',
      'ES384',
    ]);
    for (const bad of ['none', 'HS256', 'RS256,HS512', 'rs256']) {
      expect(() => loadConfiguration({ ...jwks, AUTH_ISSUER: 'i', AUTH_ALGORITHMS: bad })).toThrow(
        /^AUTH_ALGORITHMS: ".*" is not accepted/,
      );
    }
    expect(() => loadConfiguration({ AUTH_ALGORITHMS: 'RS256' })).toThrow(/built-in issuer uses ES256/);
    expect(() => loadConfiguration({ AUTH_JWKS_URL: 'idp.example', AUTH_ISSUER: 'x' })).toThrow(/^AUTH_JWKS_URL must be an http\(s\) URL/);
  });

  it('refuses credentials in LEGACY_HOST_URL, pointing to LEGACY_HOST_AUTH_SECRET, without echoing them', () => {
    for (const LEGACY_HOST_URL of ['http://user:s3cr3t-pass@host:8081', 'https://user@host', 'https://:s3cr3t-pass@host']) {
      let message = '';
      try {
        loadConfiguration({ LEGACY_HOST_URL });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^LEGACY_HOST_URL must not carry credentials.*LEGACY_HOST_AUTH_SECRET/);
      expect(message).not.toContain('s3cr3t');
    }
    expect(() => loadConfiguration({ LEGACY_HOST_URL: 'ftp://u:s3cr3t@h' })).toThrow(/^LEGACY_HOST_URL must be an http\(s\) URL$/);
    expect(loadConfiguration({ LEGACY_HOST_URL: 'https://host:8443/base' }).host.url).toBe('https://host:8443/base');
  });
});

describe('configuration: AWS guidance compatibility (issue 10)', () => {
  it('AWS_COMPAT_REPAIR_NAMESPACE is false unless set to true; anything else stops the start', () => {
    expect(loadConfiguration({}).compat.repairNamespace).toBe(false);
    expect(loadConfiguration({ AWS_COMPAT_REPAIR_NAMESPACE: 'false' }).compat.repairNamespace).toBe(false);
    expect(loadConfiguration({ AWS_COMPAT_REPAIR_NAMESPACE: 'true' }).compat.repairNamespace).toBe(true);
    expect(() => loadConfiguration({ AWS_COMPAT_REPAIR_NAMESPACE: 'yes' })).toThrow(
      'AWS_COMPAT_REPAIR_NAMESPACE must be true or false, got "yes"',
    );
  });

  it('takes REGION_ID, else AWS_REGION, else local', () => {
    expect(loadConfiguration({}).compat.regionId).toBe('local');
    expect(loadConfiguration({ AWS_REGION: 'eu-west-1' }).compat.regionId).toBe('eu-west-1');
    expect(loadConfiguration({ REGION_ID: 'r1', AWS_REGION: 'eu-west-1' }).compat.regionId).toBe('r1');
  });
});

describe('configuration: what used to be decided after load', () => {
  it('enables the demo client only outside production, and requires CLEARWAY_CLIENTS in production', () => {
    expect(loadConfiguration({ LEGACY_HOST_URL: 'http://h' }).clients).toMatchObject({ demo: true, clients: [{ id: 'demo' }] });
    expect(() => loadConfiguration({ NODE_ENV: 'production', LEGACY_HOST_URL: 'http://h' })).toThrow(
      'CLEARWAY_CLIENTS is required when NODE_ENV=production',
    );
    const prod = loadConfiguration({ NODE_ENV: 'production', LEGACY_HOST_URL: 'http://h', CLEARWAY_CLIENTS: BANK_A });
    expect(prod.clients).toMatchObject({ demo: false, clients: [{ id: 'bank-a' }] });
    expect(prod.server.apiDocs).toBe('off');
  });

  it('says when this process uses the simulator, and refuses that in production', () => {
    expect(loadConfiguration({}).host).toMatchObject({ url: null, useSimulator: true, simPort: 8081 });
    expect(loadConfiguration({ ROLE: 'api' }).host.useSimulator).toBe(false);
    expect(loadConfiguration({ MODE: 'core' }).host.useSimulator).toBe(false);
    expect(loadConfiguration({ HOST_TRANSPORT: 'amqp' }).host.useSimulator).toBe(false);
    expect(loadConfiguration({ LEGACY_HOST_URL: 'https://host.example' }).host).toMatchObject({
      url: 'https://host.example',
      useSimulator: false,
    });
    expect(() => loadConfiguration({ NODE_ENV: 'production', CLEARWAY_CLIENTS: BANK_A })).toThrow(
      'LEGACY_HOST_URL is required in proxy mode when NODE_ENV=production (the simulator is for local use)',
    );
  });

  it('resolves the MQ client: MQ_CLIENT_ID in CLEARWAY_CLIENTS, or the demo client alone', () => {
    const amqp = { HOST_TRANSPORT: 'amqp' };
    const demo = loadConfiguration(amqp);
    expect(resolveMqClient(demo.amqp, demo.clients, demo.auth)).toEqual({ id: 'demo', scopes: demo.clients.clients[0]!.scopes });
    const bank = loadConfiguration({ ...amqp, CLEARWAY_CLIENTS: BANK_A, MQ_CLIENT_ID: 'bank-a' });
    expect(resolveMqClient(bank.amqp, bank.clients, bank.auth)).toEqual({ id: 'bank-a', scopes: ['payments:read', 'rp2/write'] });
    expect(resolveMqClient(loadConfiguration({}).amqp, bank.clients, bank.auth)).toBeNull();
    expect(() => loadConfiguration({ ...amqp, CLEARWAY_CLIENTS: BANK_A })).toThrow(/^MQ_CLIENT_ID is required with an AMQP broker/);
    expect(() => loadConfiguration({ ...amqp, CLEARWAY_CLIENTS: BANK_A, MQ_CLIENT_ID: 'bank-b' })).toThrow(
      'MQ_CLIENT_ID "bank-b" is not a client in CLEARWAY_CLIENTS',
    );
    // a client of an external identity provider is not in CLEARWAY_CLIENTS
    const idp = { AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_ISSUER: 'https://idp.example/' };
    expect(loadConfiguration({ ...amqp, ...idp, CLEARWAY_CLIENTS: BANK_A, MQ_CLIENT_ID: 'idp-client' }).amqp.clientId).toBe('idp-client');
  });

  it('reports every bad variable at once, one line each', () => {
    expect(() => loadConfiguration({ PORT: 'x', LOG_LEVEL: 'loud', SQS_WAIT_SECONDS: '21' })).toThrow(
      [
        'PORT must be an integer from 0 to 65535, got "x"',
        'SQS_WAIT_SECONDS must be an integer from 0 to 20, got "21"',
        'LOG_LEVEL must be one of error, warn, log, debug, got "loud"',
      ].join('\n'),
    );
  });

  it('takes the AMQP queue defaults of the adapter', () => {
    expect(loadConfiguration({}).amqp.topology).toEqual(DEFAULT_TOPOLOGY);
  });
});

describe('configuration namespaces in Nest (registerAs)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('gives each provider the namespace it injects, read from the environment', async () => {
    process.env.JOB_MAX_ATTEMPTS = '4';
    process.env.REGION_ID = 'test-region';
    @Injectable()
    class NeedsWorker {
      constructor(@Inject(workerConfig.KEY) readonly worker: ConfigType<typeof workerConfig>) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: ALL_NAMESPACES })],
      providers: [NeedsWorker],
    }).compile();
    expect(moduleRef.get(NeedsWorker).worker.jobMaxAttempts).toBe(4);
    expect(moduleRef.get<ConfigType<typeof compatConfig>>(compatConfig.KEY).regionId).toBe('test-region');
    await moduleRef.close();
  });
});

describe('regions (REGION_ID, PEER_REGIONS, CONSISTENCY)', () => {
  it('is one region by default, named by REGION_ID, else AWS_REGION, else local', () => {
    expect(loadConfiguration({}).region).toEqual({
      id: 'local',
      peers: [],
      consistency: 'strong',
      heartbeatMs: 5000,
      leaseMs: 30_000,
      peerEndpoints: {},
      globalTimeoutMs: 10_000,
    });
    expect(loadConfiguration({ AWS_REGION: 'eu-west-1' }).region.id).toBe('eu-west-1');
  });

  it('takes peers on a DynamoDB store, in strong mode', () => {
    const c = loadConfiguration({
      ...AWS_ALL,
      REGION_ID: 'a',
      PEER_REGIONS: 'b, c,b',
      REGION_HEARTBEAT_SECONDS: '1',
      REGION_LEASE_SECONDS: '3',
    });
    expect(c.region).toEqual({
      id: 'a',
      peers: ['b', 'c'],
      consistency: 'strong',
      heartbeatMs: 1000,
      leaseMs: 3000,
      peerEndpoints: {},
      globalTimeoutMs: 10_000,
    });
  });

  it('takes eventual mode with a peer replica endpoint and a global timeout', () => {
    const c = loadConfiguration({
      ...AWS_ALL,
      REGION_ID: 'a',
      PEER_REGIONS: 'b',
      CONSISTENCY: 'eventual',
      PEER_DYNAMODB_ENDPOINTS: 'b=http://127.0.0.1:8001',
      CONSISTENCY_GLOBAL_TIMEOUT_SECONDS: '3',
    });
    expect(c.region).toMatchObject({ consistency: 'eventual', peerEndpoints: { b: 'http://127.0.0.1:8001' }, globalTimeoutMs: 3000 });
  });

  it.each([
    [{ PEER_REGIONS: 'b' }, /PEER_REGIONS needs STORE=dynamodb/],
    [{ ...AWS_ALL, REGION_ID: 'a', PEER_REGIONS: 'a,b' }, /PEER_REGIONS names this region/],
    [{ ...AWS_ALL, PEER_REGIONS: 'B' }, /PEER_REGIONS: "B" is not a region id/],
    [{ REGION_HEARTBEAT_SECONDS: '5', REGION_LEASE_SECONDS: '10' }, /at least three heartbeats/],
    [{ ...AWS_ALL, CONSISTENCY: 'eventual' }, /CONSISTENCY=eventual needs PEER_REGIONS/],
    [{ ...AWS_ALL, PEER_REGIONS: 'b', CONSISTENCY: 'eventual', MODE: 'core', LEDGER_ENABLED: 'true' }, /cannot keep the core-mode ledger/],
    [{ ...AWS_ALL, PEER_REGIONS: 'b', PEER_DYNAMODB_ENDPOINTS: 'c=http://x:1' }, /names c, which is not in PEER_REGIONS/],
    [
      { ...AWS_ALL, PEER_REGIONS: 'b', PEER_DYNAMODB_ENDPOINTS: 'b=ftp://x' },
      /PEER_DYNAMODB_ENDPOINTS: "b=ftp:\/\/x" needs an http\(s\) URL/,
    ],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfiguration(env as Record<string, string>)).toThrow(message);
  });
});

describe('a client default for X-Consistency', () => {
  it('reads consistency from CLEARWAY_CLIENTS, region or global only', () => {
    const clients = parseClients(
      '[{"id":"a","secret":"secret-of-a-0001","scopes":[],"consistency":"global"},{"id":"b","secret":"secret-of-b-0002","scopes":[]}]',
    );
    expect(clients.map((c) => c.consistency)).toEqual(['global', undefined]);
    expect(() => parseClients('[{"id":"a","secret":"secret-of-a-0001","scopes":[],"consistency":"all"}]')).toThrow(
      /CLEARWAY_CLIENTS\[0\]\.consistency must be region or global/,
    );
  });
});
