// SPDX-License-Identifier: Apache-2.0
/**
 * A small loopback fake of AWS Secrets Manager's JSON protocol (awsJson1_1: `POST /` with
 * `X-Amz-Target: secretsmanager.<Operation>`), for tests and `npm run aws:local` — Secrets Manager has no local
 * emulator. It works with the real @aws-sdk/client-secrets-manager pointed at `endpoint`.
 *
 * Operations: CreateSecret, PutSecretValue, UpdateSecret, GetSecretValue, DescribeSecret, ListSecrets,
 * DeleteSecret. Versions carry the staging labels AWSCURRENT / AWSPREVIOUS as the service moves them on a
 * put (what a rotation does). Errors use the service's `__type` names (ResourceNotFoundException,
 * ResourceExistsException, InvalidRequestException, InvalidParameterException). Requests must carry a SigV4
 * `Authorization` header (not verified). State is in memory.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

const ACCOUNT = '000000000000';

interface Version {
  id: string;
  secretString?: string;
  secretBinary?: string; // base64
  createdAt: number; // epoch seconds
  stages: Set<string>;
  token?: string;
}

interface Secret {
  name: string;
  arn: string;
  description?: string;
  createdAt: number;
  changedAt: number;
  versions: Map<string, Version>;
  deletedAt?: number;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

export interface SecretsManagerFake {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** How many times each operation was called (e.g. `calls('GetSecretValue')`), to show caching. */
  calls(operation: string): number;
  stop(): Promise<void>;
}

export async function startSecretsManagerFake(region = 'us-east-1'): Promise<SecretsManagerFake> {
  const secrets = new Map<string, Secret>();
  const counts = new Map<string, number>();
  const now = (): number => Date.now() / 1000;

  const find = (id: unknown): Secret => {
    if (typeof id !== 'string' || id === '') throw new ServiceError('InvalidParameterException', 'SecretId is required');
    const s = secrets.get(id) ?? [...secrets.values()].find((x) => x.arn === id);
    if (!s || s.deletedAt !== undefined) {
      throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    return s;
  };

  const addVersion = (s: Secret, body: Json): Version => {
    const token = typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : undefined;
    const secretString = typeof body.SecretString === 'string' ? body.SecretString : undefined;
    const secretBinary = typeof body.SecretBinary === 'string' ? body.SecretBinary : undefined;
    if (secretString === undefined && secretBinary === undefined) {
      throw new ServiceError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    }
    if (token !== undefined) {
      const same = s.versions.get(token);
      if (same) {
        if (same.secretString === secretString && same.secretBinary === secretBinary) return same;
        throw new ServiceError(
          'ResourceExistsException',
          `A version with ClientRequestToken ${token} already exists with different contents.`,
        );
      }
    }
    const stages = Array.isArray(body.VersionStages) ? (body.VersionStages as string[]) : ['AWSCURRENT'];
    const v: Version = { id: token ?? randomUUID(), secretString, secretBinary, createdAt: now(), stages: new Set(), token };
    for (const stage of stages) {
      for (const other of s.versions.values()) {
        if (other.stages.delete(stage) && stage === 'AWSCURRENT') {
          for (const o of s.versions.values()) o.stages.delete('AWSPREVIOUS');
          other.stages.add('AWSPREVIOUS');
        }
      }
      v.stages.add(stage);
    }
    s.versions.set(v.id, v);
    // versions without a label are deprecated and dropped, as the service eventually does
    for (const [id, o] of s.versions) if (o.stages.size === 0) s.versions.delete(id);
    s.changedAt = now();
    return v;
  };

  const describe = (s: Secret): Json => ({
    ARN: s.arn,
    Name: s.name,
    ...(s.description !== undefined ? { Description: s.description } : {}),
    CreatedDate: s.createdAt,
    LastChangedDate: s.changedAt,
    VersionIdsToStages: Object.fromEntries([...s.versions.values()].map((v) => [v.id, [...v.stages]])),
    ...(s.deletedAt !== undefined ? { DeletedDate: s.deletedAt } : {}),
  });

  const ops: Record<string, (body: Json) => Json> = {
    CreateSecret(body) {
      const name = body.Name;
      if (typeof name !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
        throw new ServiceError('InvalidParameterException', 'Name is missing or invalid.');
      }
      const existing = secrets.get(name);
      if (existing && existing.deletedAt === undefined) {
        throw new ServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      }
      const t = now();
      const s: Secret = {
        name,
        arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${randomBytes(3).toString('hex')}`,
        description: typeof body.Description === 'string' ? body.Description : undefined,
        createdAt: t,
        changedAt: t,
        versions: new Map(),
      };
      secrets.set(name, s);
      if (body.SecretString === undefined && body.SecretBinary === undefined) return { ARN: s.arn, Name: s.name };
      const v = addVersion(s, body);
      return { ARN: s.arn, Name: s.name, VersionId: v.id };
    },
    PutSecretValue(body) {
      const s = find(body.SecretId);
      const v = addVersion(s, body);
      return { ARN: s.arn, Name: s.name, VersionId: v.id, VersionStages: [...v.stages] };
    },
    UpdateSecret(body) {
      const s = find(body.SecretId);
      if (typeof body.Description === 'string') s.description = body.Description;
      if (body.SecretString === undefined && body.SecretBinary === undefined) return { ARN: s.arn, Name: s.name };
      const v = addVersion(s, body);
      return { ARN: s.arn, Name: s.name, VersionId: v.id };
    },
    GetSecretValue(body) {
      const s = find(body.SecretId);
      let v: Version | undefined;
      if (typeof body.VersionId === 'string') v = s.versions.get(body.VersionId);
      else {
        const stage = typeof body.VersionStage === 'string' ? body.VersionStage : 'AWSCURRENT';
        v = [...s.versions.values()].find((x) => x.stages.has(stage));
      }
      if (!v) {
        throw new ServiceError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value for staging label or version.",
        );
      }
      return {
        ARN: s.arn,
        Name: s.name,
        VersionId: v.id,
        ...(v.secretString !== undefined ? { SecretString: v.secretString } : {}),
        ...(v.secretBinary !== undefined ? { SecretBinary: v.secretBinary } : {}),
        VersionStages: [...v.stages],
        CreatedDate: v.createdAt,
      };
    },
    DescribeSecret(body) {
      return describe(find(body.SecretId));
    },
    ListSecrets() {
      return { SecretList: [...secrets.values()].filter((s) => s.deletedAt === undefined).map(describe) };
    },
    DeleteSecret(body) {
      const s = find(body.SecretId);
      s.deletedAt = now();
      if (body.ForceDeleteWithoutRecovery === true) secrets.delete(s.name);
      return { ARN: s.arn, Name: s.name, DeletionDate: s.deletedAt };
    },
  };

  const send = (res: ServerResponse, status: number, body: Json, type?: string): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...(type ? { 'x-amzn-errortype': type } : {}),
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > 1_000_000) throw new ServiceError('InvalidRequestException', 'request too large');
      chunks.push(c);
    }
    if (req.method === 'GET' && req.url === '/health') {
      send(res, 200, { status: 'ok' });
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
    if (req.method !== 'POST' || !Object.hasOwn(ops, op)) {
      throw new ServiceError('UnknownOperationException', `unknown operation ${target || '(none)'}`);
    }
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400);
    }
    let body: Json;
    try {
      const raw = Buffer.concat(chunks).toString('utf8');
      body = raw === '' ? {} : (JSON.parse(raw) as Json);
    } catch {
      throw new ServiceError('SerializationException', 'the body is not JSON');
    }
    counts.set(op, (counts.get(op) ?? 0) + 1);
    send(res, 200, ops[op]!(body));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof ServiceError) send(res, e.status, { __type: e.type, message: e.message }, e.type);
      else send(res, 500, { __type: 'InternalServiceError', message: (e as Error).message }, 'InternalServiceError');
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as { port: number };
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    region,
    calls: (operation) => counts.get(operation) ?? 0,
    stop() {
      stopping ??= new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
