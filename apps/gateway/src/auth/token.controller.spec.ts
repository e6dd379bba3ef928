// SPDX-License-Identifier: Apache-2.0
import type { FastifyReply } from 'fastify';
import { ClientRegistry } from './client-registry.js';
import type { SigningKeysService } from './signing-keys.service.js';
import { decodeBasicCredentials } from './basic-credentials.js';
import { readTokenForm, readTokenParameters, TokenController } from './token.controller.js';

const CLIENT = { id: 'bank-a', secret: 'bank-a-secret-0001', scopes: ['payments:read', 'payments:write'] };

function fakeReply() {
  const reply = {
    statusCode: 200,
    headers: {} as Record<string, string>,
    status(code: number) {
      reply.statusCode = code;
      return reply;
    },
    header(name: string, value: string) {
      reply.headers[name.toLowerCase()] = value;
      return reply;
    },
  };
  return reply;
}

function controller(): TokenController {
  const keys = {
    external: false,
    issue: async (_sub: string, scopes: string[]) => ({ token: `token-for-${scopes.join('+')}`, expiresIn: 300 }),
  } as unknown as SigningKeysService;
  return new TokenController(keys, new ClientRegistry([CLIENT]));
}

const basic = (raw: string) => `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
const GOOD = basic(`${CLIENT.id}:${CLIENT.secret}`);

async function call(body: unknown, authorization?: string, query: unknown = {}) {
  const reply = fakeReply();
  const json = await controller().token(body, authorization, reply as unknown as FastifyReply, query);
  return { status: reply.statusCode, headers: reply.headers, json };
}

describe('readTokenForm', () => {
  it('reads own string fields into a Map', () => {
    const read = readTokenForm({ grant_type: 'client_credentials', scope: 'payments:read' });
    expect(read).toEqual({
      ok: true,
      fields: new Map([
        ['grant_type', 'client_credentials'],
        ['scope', 'payments:read'],
      ]),
    });
  });

  it('refuses a repeated parameter (the form parser makes it an array)', () => {
    expect(readTokenForm({ grant_type: ['client_credentials', 'client_credentials'] })).toEqual({
      ok: false,
      description: 'parameter grant_type was sent more than once',
    });
  });

  it('refuses non-string values and bodies that are not an object', () => {
    expect(readTokenForm({ scope: { a: 1 } })).toMatchObject({ ok: false, description: 'parameter scope must be a string' });
    expect(readTokenForm('grant_type=client_credentials')).toMatchObject({ ok: false });
    expect(readTokenForm([])).toMatchObject({ ok: false });
  });

  it('reads no parameters from an absent body', () => {
    expect(readTokenForm(undefined)).toEqual({ ok: true, fields: new Map() });
  });
});

describe('decodeBasicCredentials', () => {
  it('%-decodes the client id and secret (RFC 6749 §2.3.1)', () => {
    expect(decodeBasicCredentials(Buffer.from('bank%2Da:s%3Acret').toString('base64'))).toEqual({ id: 'bank-a', secret: 's:cret' });
  });

  it.each(['bank-a:%E0%A4%A', '%zz:secret', 'bank-a:%', 'bank-a:%C3%28'])('answers null for bad %%-encoding in %s', (raw) => {
    expect(decodeBasicCredentials(Buffer.from(raw).toString('base64'))).toBeNull();
  });

  it('answers null without a colon', () => {
    expect(decodeBasicCredentials(Buffer.from('bank-a').toString('base64'))).toBeNull();
  });
});

describe('TokenController', () => {
  it('issues a token for good Basic credentials', async () => {
    const r = await call({ grant_type: 'client_credentials', scope: 'payments:read' }, GOOD);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ token_type: 'Bearer', scope: 'payments:read' });
  });

  it('answers 401 invalid_client for bad %-encoding in Basic credentials', async () => {
    const r = await call({ grant_type: 'client_credentials' }, basic('bank-a:%E0%A4%A'));
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ error: 'invalid_client' });
    expect(r.headers['www-authenticate']).toBe('Basic realm="clearway"');
  });

  it.each([
    ['grant_type', { grant_type: ['client_credentials', 'client_credentials'] }],
    ['scope', { grant_type: 'client_credentials', scope: ['payments:read', 'payments:write'] }],
    ['client_id', { grant_type: 'client_credentials', client_id: ['bank-a', 'bank-a'], client_secret: CLIENT.secret }],
  ])('answers 400 invalid_request for a repeated %s', async (name, body) => {
    const r = await call(body, name === 'client_id' ? undefined : GOOD);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'invalid_request', error_description: `parameter ${name} was sent more than once` });
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('answers 400 invalid_scope for scope=%s', async (scope) => {
    const r = await call({ grant_type: 'client_credentials', scope }, GOOD);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'invalid_scope', error_description: `not allowed for this client: ${scope}` });
  });
});

describe('readTokenParameters (form body and query string)', () => {
  it('takes grant_type, scope and client_id from the query string with an empty body (the AWS guidance MQ clients)', () => {
    const read = readTokenParameters(undefined, { client_id: 'bank-a', grant_type: 'client_credentials', scope: 'rp2/read rp2/write' });
    expect(read).toEqual({
      ok: true,
      fields: new Map([
        ['client_id', 'bank-a'],
        ['grant_type', 'client_credentials'],
        ['scope', 'rp2/read rp2/write'],
      ]),
    });
  });

  it('merges body and query parameters', () => {
    const read = readTokenParameters({ grant_type: 'client_credentials' }, { scope: 'payments:read' });
    expect(read.ok && Object.fromEntries(read.fields)).toEqual({ grant_type: 'client_credentials', scope: 'payments:read' });
  });

  it('refuses client_secret in the query string without echoing its value', () => {
    const read = readTokenParameters({}, { client_id: 'bank-a', client_secret: 'bank-a-secret-0001' });
    expect(read).toEqual({
      ok: false,
      description: 'client_secret must not be sent in the query string (send it in the body or use HTTP Basic)',
    });
    expect(JSON.stringify(read)).not.toContain('bank-a-secret-0001');
  });

  it('refuses a parameter sent both in the body and in the query string, or twice in the query string', () => {
    expect(readTokenParameters({ scope: 'payments:read' }, { scope: 'payments:read' })).toEqual({
      ok: false,
      description: 'parameter scope was sent more than once',
    });
    expect(readTokenParameters({}, { grant_type: ['client_credentials', 'client_credentials'] })).toMatchObject({ ok: false });
  });
});

describe('TokenController: the AWS guidance clients token requests', () => {
  it('issues a token for HTTP Basic plus a body client_id that matches it (bin/test.sh)', async () => {
    const r = await call({ client_id: CLIENT.id, grant_type: 'client_credentials', scope: 'payments:read payments:write' }, GOOD);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ token_type: 'Bearer', scope: 'payments:read payments:write' });
  });

  it('issues a token for HTTP Basic plus grant_type, scope and client_id in the query string, empty body (MQ reader/writer)', async () => {
    const r = await call(undefined, GOOD, { client_id: CLIENT.id, grant_type: 'client_credentials', scope: 'payments:read' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ token_type: 'Bearer', scope: 'payments:read' });
  });

  it.each([
    ['in the body', { client_id: 'bank-b', grant_type: 'client_credentials' }, {}],
    ['in the query string', {}, { client_id: 'bank-b', grant_type: 'client_credentials' }],
  ])('answers 400 invalid_request for a client_id %s that is not the Basic one', async (_where, body, query) => {
    const r = await call(body, GOOD, query);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      error: 'invalid_request',
      error_description: 'client_id does not match the client authenticated by HTTP Basic',
    });
  });

  it('never takes two secrets: HTTP Basic plus client_secret in the body is 400 invalid_request', async () => {
    const r = await call({ client_id: CLIENT.id, client_secret: CLIENT.secret, grant_type: 'client_credentials' }, GOOD);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses client_secret in the query string (400), even when it is right', async () => {
    const r = await call({ grant_type: 'client_credentials' }, undefined, { client_id: CLIENT.id, client_secret: CLIENT.secret });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'invalid_request' });
    expect(JSON.stringify(r.json)).not.toContain(CLIENT.secret);
  });

  it('still takes client_id and client_secret form fields alone', async () => {
    const r = await call({ client_id: CLIENT.id, client_secret: CLIENT.secret, grant_type: 'client_credentials' });
    expect(r.status).toBe(200);
  });

  it('answers 401 invalid_client for a matching client_id with a wrong Basic secret', async () => {
    const r = await call({ client_id: CLIENT.id, grant_type: 'client_credentials' }, basic(`${CLIENT.id}:wrong-secret-000`));
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ error: 'invalid_client' });
  });
});
