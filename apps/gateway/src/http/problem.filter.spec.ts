import { ProblemException } from './problem.js';
import { frameworkProblem, oauthErrorFor } from './problem.filter.js';

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

describe('oauthErrorFor (the token endpoint answers RFC 6749 §5.2 errors)', () => {
  const problem = (status: number, instance: string) => ({ ...new ProblemException(status, 'REQUEST.MALFORMED', 'bad body').problem, instance });

  it.each([400, 413, 415])('maps a refused body (%i) at POST /oauth2/token to invalid_request', (status) => {
    expect(oauthErrorFor('POST', problem(status, '/oauth2/token'))).toEqual({ error: 'invalid_request', error_description: 'bad body' });
  });

  it('leaves other paths, other methods and other statuses as problems', () => {
    expect(oauthErrorFor('POST', problem(400, '/v1/inbox'))).toBeNull();
    expect(oauthErrorFor('GET', problem(400, '/oauth2/token'))).toBeNull();
    expect(oauthErrorFor('POST', problem(404, '/oauth2/token'))).toBeNull();
    expect(oauthErrorFor('POST', problem(500, '/oauth2/token'))).toBeNull();
  });
});
