// SPDX-License-Identifier: Apache-2.0
import { Writable } from 'node:stream';
import { defaultLogFormat, loadConfiguration } from '../config/configuration.js';
import { runWithLogContext } from './log-context.js';
import { createRootLogger, logDestination, PINO_LEVEL } from './logger.js';

/** A destination that keeps every line written to it. */
function memory() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('the root logger', () => {
  it('writes one JSON object per line: ISO time, level as a name, message in msg', () => {
    const out = memory();
    createRootLogger({ level: 'log', format: 'json' }, out.stream).info({ n: 1 }, 'hello');
    const [line] = out.json();
    expect(line).toMatchObject({ level: 'info', msg: 'hello', n: 1 });
    expect(line!.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('maps LOG_LEVEL onto pino levels, and writes nothing below it', () => {
    expect(PINO_LEVEL).toEqual({ error: 'error', warn: 'warn', log: 'info', debug: 'debug' });
    const out = memory();
    const log = createRootLogger({ level: 'warn', format: 'json' }, out.stream);
    log.info('not written');
    log.debug('not written');
    log.warn('written');
    expect(out.json().map((l) => l.msg)).toEqual(['written']);
  });

  it('censors credentials, tokens and bodies wherever they appear in a logged object', () => {
    const out = memory();
    createRootLogger({ level: 'log', format: 'json' }, out.stream).warn(
      {
        authorization: 'Bearer eyJ.top',
        headers: { authorization: 'Basic ZGVtbzpzZWNyZXQ=', cookie: 'sid=1', 'proxy-authorization': 'Basic x' },
        req: { headers: { authorization: 'Bearer eyJ.req' } },
        client: { client_secret: 's3cr3t', clientSecret: 's3cr3t2', token: 'tok', access_token: 'at' },
        body: '<Document>secret payload</Document>',
        payment: { body: '<Document/>', transactionId: 't1' },
      },
      'careless',
    );
    const text = out.lines.join('\n');
    for (const leaked of ['eyJ.top', 'ZGVtbzpzZWNyZXQ=', 'sid=1', 'Basic x', 'eyJ.req', 's3cr3t', 'tok"', '"at"', 'Document']) {
      expect(text).not.toContain(leaked);
    }
    expect(out.json()[0]).toMatchObject({ payment: { transactionId: 't1', body: '[redacted]' }, authorization: '[redacted]' });
  });

  it('adds the fields of the current request or job to every line, without the line leaking back into them', () => {
    const out = memory();
    const log = createRootLogger({ level: 'log', format: 'json' }, out.stream);
    const ctx = { requestId: 'req-1', transactionId: 't1' };
    runWithLogContext(ctx, () => {
      log.info({ extra: 'x' }, 'first');
      log.info('second');
    });
    log.info('outside');
    const [first, second, outside] = out.json();
    expect(first).toMatchObject({ requestId: 'req-1', transactionId: 't1', extra: 'x', msg: 'first' });
    expect(second).toMatchObject({ requestId: 'req-1', transactionId: 't1', msg: 'second' });
    expect(second).not.toHaveProperty('extra');
    expect(outside).not.toHaveProperty('requestId');
    expect(ctx).toEqual({ requestId: 'req-1', transactionId: 't1' });
  });

  it('does not build the context for a line whose level is off', () => {
    const out = memory();
    const log = createRootLogger({ level: 'warn', format: 'json' }, out.stream);
    let reads = 0;
    const ctx = new Proxy({ requestId: 'r' }, { ownKeys: (t) => (reads++, Reflect.ownKeys(t)) });
    runWithLogContext(ctx, () => log.info('off'));
    expect(reads).toBe(0);
    expect(out.lines).toEqual([]);
  });
});

describe('LOG_FORMAT', () => {
  it('defaults to pretty at a terminal and to JSON otherwise', () => {
    expect(defaultLogFormat(true)).toBe('pretty');
    expect(defaultLogFormat(false)).toBe('json');
    expect(defaultLogFormat(undefined)).toBe('json');
  });

  it('is read from the environment, and refused when misspelt', () => {
    expect(loadConfiguration({ LOG_FORMAT: 'pretty' }).logging).toEqual({ level: 'log', format: 'pretty' });
    expect(loadConfiguration({ LOG_FORMAT: 'json', LOG_LEVEL: 'warn' }).logging).toEqual({ level: 'warn', format: 'json' });
    expect(() => loadConfiguration({ LOG_FORMAT: 'yaml' })).toThrow('LOG_FORMAT must be one of json, pretty, got "yaml"');
  });

  it('pretty writes human-readable lines, not JSON', async () => {
    const { mkdtempSync, readFileSync, openSync, closeSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'clearway-log-')), 'out.log');
    const fd = openSync(file, 'w');
    const log = createRootLogger({ level: 'log', format: 'pretty' }, logDestination('pretty', fd));
    runWithLogContext({ requestId: 'req-9' }, () => log.info({ context: 'Worker' }, 'started'));
    log.flush();
    closeSync(fd);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/INFO.*\[Worker\] started/);
    expect(text).toContain('requestId: "req-9"');
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
  });
});
