// SPDX-License-Identifier: Apache-2.0
/** The gateway's HTTP API as the CLI uses it: a client-credentials token, then JSON calls with it. */

/** A failed call: the gateway's problem (RFC 9457) when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

export interface Credentials {
  url: string;
  clientId: string;
  clientSecret: string;
}

export type Fetch = typeof fetch;

export class ApiClient {
  private token: string | null = null;

  constructor(
    private readonly creds: Credentials,
    private readonly fetchFn: Fetch = fetch,
  ) {}

  get baseUrl(): string {
    return this.creds.url.replace(/\/+$/, '');
  }

  /** POST /oauth2/token (client credentials, HTTP Basic); the token is kept for the process's life (minutes). */
  async authenticate(): Promise<string> {
    if (this.token) return this.token;
    const basic = Buffer.from(`${encodeURIComponent(this.creds.clientId)}:${encodeURIComponent(this.creds.clientSecret)}`).toString(
      'base64',
    );
    const res = await this.fetchFn(`${this.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
    if (res.status !== 200 || !body.access_token) {
      throw new ApiError(res.status, body.error ?? null, `token refused: ${body.error_description ?? body.error ?? `HTTP ${res.status}`}`);
    }
    this.token = body.access_token;
    return this.token;
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}, auth = true): Promise<T> {
    return this.call<T>('GET', path, query, undefined, auth);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, {}, body, true);
  }

  /** Follows `nextCursor` page by page, yielding each page's items. */
  async *pages<T>(path: string, query: Record<string, string | number | undefined>): AsyncGenerator<T[]> {
    let cursor: string | undefined;
    do {
      const page = await this.get<{ items: T[]; nextCursor: string | null }>(path, { ...query, cursor });
      yield page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  private async call<T>(
    method: string,
    path: string,
    query: Record<string, string | number | undefined>,
    body: unknown,
    auth: boolean,
  ): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth) headers.authorization = `Bearer ${await this.authenticate()}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.fetchFn(`${this.baseUrl}${path}${qs.size ? `?${qs}` : ''}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: reported below when the status is an error
    }
    if (!res.ok) {
      const p = (json ?? {}) as { code?: string; detail?: string; title?: string };
      throw new ApiError(
        res.status,
        p.code ?? null,
        `${method} ${path}: HTTP ${res.status} ${p.code ?? ''} ${p.detail ?? p.title ?? ''}`.trim(),
      );
    }
    return json as T;
  }
}
