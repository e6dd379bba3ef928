import type { FastifyReply } from 'fastify';
import { ClientRegistry } from './client-registry.js';
import type { SigningKeysService } from './signing-keys.service.js';
import { decodeBasicCredentials, readTokenForm, TokenController } from './token.controller.js';

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

async function call(body: unknown, authorization?: string) {
  const reply = fakeReply();
  const json = await controller().token(body, authorization, reply as unknown as FastifyReply);
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
