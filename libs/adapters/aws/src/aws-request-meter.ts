// SPDX-License-Identifier: Apache-2.0
/**
 * Counts what the gateway asks of AWS, as AWS bills it: requests per service and operation (each attempt of a
 * retried call is a request), and the DynamoDB read and write capacity units the table reports it consumed.
 *
 * `attach(client, service)` adds one middleware to an SDK client. On DynamoDB it asks every data-plane call
 * for `ReturnConsumedCapacity: TOTAL` (free of charge; the response only grows by a few bytes) unless the
 * caller asked for something else, and adds up the units of the answer. What the meter cannot see: the
 * capacity of a write refused by its condition (DynamoDB charges it but does not report it in the error) and
 * SQS's per-64 KB billing of large payloads (jobs carry ids, not messages, so one request is one unit here).
 * The metrics registry publishes the counts (`clearway_aws_requests_total`,
 * `clearway_dynamodb_consumed_capacity_units_total`); `npm run bench -- --profile aws` prices them.
 */
export type AwsService = 'dynamodb' | 'sqs' | 's3' | 'secretsmanager';

export interface AwsRequestCount {
  readonly service: AwsService;
  /** The API operation, e.g. `TransactWriteItems`, `SendMessageBatch`, `PutObject`. */
  readonly operation: string;
  readonly outcome: 'ok' | 'error';
  readonly count: number;
}

export interface AwsUsage {
  readonly requests: readonly AwsRequestCount[];
  /** DynamoDB capacity units reported consumed (tables and their indexes), by kind. */
  readonly capacity: { readonly read: number; readonly write: number };
}

/** DynamoDB operations that take ReturnConsumedCapacity, and whether they read or write. */
const DYNAMODB_CAPACITY_KIND: Readonly<Record<string, 'read' | 'write'>> = {
  GetItem: 'read',
  BatchGetItem: 'read',
  Query: 'read',
  Scan: 'read',
  TransactGetItems: 'read',
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
  TransactWriteItems: 'write',
};

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/** The structural part of an SDK v3 client the meter needs (every generated client has it). */
export interface MeterableClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<{ output: object }>,
        context: { commandName?: string },
      ) => (args: { input: object }) => Promise<{ output: object }>,
      options: { step: 'initialize'; name: string; override?: boolean },
    ): void;
  };
}

function attemptsOf(x: unknown): number {
  const attempts = (x as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 0 ? attempts : 1;
}

export class AwsRequestMeter {
  private readonly requests = new Map<string, { service: AwsService; operation: string; outcome: 'ok' | 'error'; count: number }>();
  private readonly capacity = { read: 0, write: 0 };

  /** Adds the counting middleware to `client` (once per client) and returns it. */
  attach<C extends MeterableClient>(client: C, service: AwsService): C {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const kind = service === 'dynamodb' ? DYNAMODB_CAPACITY_KIND[operation] : undefined;
        const input = args.input as { ReturnConsumedCapacity?: string };
        const sent =
          kind && input.ReturnConsumedCapacity === undefined ? { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } } : args;
        try {
          const result = await next(sent);
          this.count(service, operation, 'ok', attemptsOf(result.output));
          if (kind)
            this.addCapacity(kind, (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity);
          return result;
        } catch (e) {
          this.count(service, operation, 'error', attemptsOf(e));
          throw e;
        }
      },
      { step: 'initialize', name: 'clearwayAwsRequestMeter', override: true },
    );
    return client;
  }

  /** What has been counted since the process started. */
  usage(): AwsUsage {
    return { requests: [...this.requests.values()].map((r) => ({ ...r })), capacity: { ...this.capacity } };
  }

  private count(service: AwsService, operation: string, outcome: 'ok' | 'error', n: number): void {
    const key = `${service} ${operation} ${outcome}`;
    const entry = this.requests.get(key);
    if (entry) entry.count += n;
    else this.requests.set(key, { service, operation, outcome, count: n });
  }

  private addCapacity(kind: 'read' | 'write', consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
        this.capacity.read += c.ReadCapacityUnits ?? 0;
        this.capacity.write += c.WriteCapacityUnits ?? 0;
      } else {
        this.capacity[kind] += c.CapacityUnits ?? 0;
      }
    }
  }
}
