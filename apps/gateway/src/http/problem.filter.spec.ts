import { frameworkProblem } from './problem.filter.js';

describe('frameworkProblem (errors Fastify raises before routing)', () => {
  it('answers a path with bad %-encoding as 400 REQUEST.INVALID_URL', () => {
    expect(frameworkProblem({ code: 'FST_ERR_BAD_URL', message: 'bad' }, '/v1/transactions/%E0%A4%A?x=1')).toMatchObject({
      status: 400,
      code: 'REQUEST.INVALID_URL',
      instance: '/v1/transactions/%E0%A4%A',
      type: 'https://clearway.dev/problems/request-invalid-url',
    });
  });

  it('answers an over-long path parameter as 414 REQUEST.URI_TOO_LONG', () => {
    expect(frameworkProblem({ code: 'FST_ERR_MAX_PARAM_LENGTH' }, '/v1/ledger/accounts/AAAA')).toMatchObject({
      status: 414,
      title: 'URI Too Long',
      code: 'REQUEST.URI_TOO_LONG',
    });
  });

  it('answers anything else as 400 REQUEST.INVALID', () => {
    expect(frameworkProblem({ code: 'FST_ERR_ASYNC_CONSTRAINT', message: 'x' }, '/')).toMatchObject({ status: 400, code: 'REQUEST.INVALID' });
  });
});
