// SPDX-License-Identifier: Apache-2.0
/**
 * What one payment asks of AWS, priced: the bench's `--profile aws` reads the gateway's request counts and
 * DynamoDB capacity units (GET /metrics, AwsRequestMeter) and prices them here at public on-demand list
 * prices; beside them, the per-payment calls of the AWS guidance as ../shared/design/reference-aws-guidance.md
 * describes them. Amounts are integer picodollars (10^-12 USD), never floats.
 */

/**
 * US East (N. Virginia) on-demand list prices, in picodollars per unit, as published on the AWS pricing pages
 * (aws.amazon.com/dynamodb/pricing/on-demand/, /sqs/pricing/, /s3/pricing/, /secrets-manager/pricing/) and
 * read on 2026-12-05. Free tiers are left out: they do not scale with payments.
 */
export const PRICE_LIST = {
  read: '2026-12-05',
  region: 'us-east-1',
  /** $0.625 per million write request units */
  dynamodbWriteUnit: 625_000n,
  /** $0.125 per million read request units (picodollars per half unit: 62,500) */
  dynamodbHalfReadUnit: 62_500n,
  /** $0.50 per million requests to a FIFO queue (each 64 KB of payload is one request) */
  sqsFifoRequest: 500_000n,
  /** $0.005 per 1,000 PUT, COPY, POST or LIST requests (S3 Standard) */
  s3PutClassRequest: 5_000_000n,
  /** $0.0004 per 1,000 GET and all other requests (S3 Standard) */
  s3GetClassRequest: 400_000n,
  /** $0.05 per 10,000 API calls */
  secretsManagerCall: 5_000_000n,
} as const;

const S3_PUT_CLASS = new Set([
  'PutObject',
  'CopyObject',
  'PostObject',
  'ListObjects',
  'ListObjectsV2',
  'CreateBucket',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
]);

export interface AwsCounts {
  /** `service operation` → requests (errors included: AWS bills them too). */
  readonly requests: ReadonlyMap<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
}

/** Parses the meter's series out of Prometheus text (GET /metrics). */
export function awsCountsFromMetrics(text: string): AwsCounts {
  const requests = new Map<string, number>();
  for (const m of text.matchAll(/^clearway_aws_requests_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    const key = `${labels.service} ${labels.operation}`;
    requests.set(key, (requests.get(key) ?? 0) + Number(m[2]));
  }
  const units = (kind: string) =>
    Number(new RegExp(`^clearway_dynamodb_consumed_capacity_units_total\\{kind="${kind}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { requests, readUnits: units('read'), writeUnits: units('write') };
}

export function difference(after: AwsCounts, before: AwsCounts): AwsCounts {
  const requests = new Map<string, number>();
  for (const [k, v] of after.requests) {
    const d = v - (before.requests.get(k) ?? 0);
    if (d > 0) requests.set(k, d);
  }
  return { requests, readUnits: after.readUnits - before.readUnits, writeUnits: after.writeUnits - before.writeUnits };
}

export function sum(all: AwsCounts[]): AwsCounts {
  const requests = new Map<string, number>();
  for (const c of all) for (const [k, v] of c.requests) requests.set(k, (requests.get(k) ?? 0) + v);
  return { requests, readUnits: all.reduce((t, c) => t + c.readUnits, 0), writeUnits: all.reduce((t, c) => t + c.writeUnits, 0) };
}

export function requestsOf(c: AwsCounts, service: string): number {
  let n = 0;
  for (const [k, v] of c.requests) if (k.startsWith(`${service} `)) n += v;
  return n;
}

export interface Cost {
  readonly dynamodb: bigint;
  readonly sqs: bigint;
  readonly s3: bigint;
  readonly secretsManager: bigint;
  readonly total: bigint;
}

/** The list price of `c`, in picodollars. Capacity units come in halves (eventually consistent reads). */
export function price(c: AwsCounts): Cost {
  const halves = (units: number) => BigInt(Math.round(units * 2));
  const dynamodb = halves(c.readUnits) * PRICE_LIST.dynamodbHalfReadUnit + (halves(c.writeUnits) * PRICE_LIST.dynamodbWriteUnit) / 2n;
  const sqs = BigInt(requestsOf(c, 'sqs')) * PRICE_LIST.sqsFifoRequest;
  let s3 = 0n;
  for (const [k, v] of c.requests) {
    if (!k.startsWith('s3 ')) continue;
    s3 += BigInt(v) * (S3_PUT_CLASS.has(k.slice(3)) ? PRICE_LIST.s3PutClassRequest : PRICE_LIST.s3GetClassRequest);
  }
  const secretsManager = BigInt(requestsOf(c, 'secretsmanager')) * PRICE_LIST.secretsManagerCall;
  return { dynamodb, sqs, s3, secretsManager, total: dynamodb + sqs + s3 + secretsManager };
}

/** `picodollars × 10^6 / payments` as dollars per million payments, two decimals. */
export function perMillionPayments(picodollars: bigint, payments: number): string {
  const centsTimes100 = (picodollars * 1_000_000n * 10_000n) / (BigInt(payments) * 1_000_000_000_000n); // 1/100 cent
  const rounded = (centsTimes100 + 50n) / 100n; // cents
  return `$${rounded / 100n}.${String(rounded % 100n).padStart(2, '0')}`;
}

/**
 * The AWS guidance's calls for one payment on its happy path (GET /uuid, POST /inbox, the inbox, process and
 * release Lambdas, POST /outbox), counted from ../shared/design/reference-aws-guidance.md (§1.3, §2.3, §3.1-3.4,
 * §4.4). Its lower bound: no retries, and the uuid Lambda's replication check (RP2_DDB_RETRY=3: one to three
 * invokes of the peer's health Lambda, each one more query) left out. Every item is small (under 1 KB).
 */
export const GUIDANCE_PER_PAYMENT = {
  /** Two partitions queried (this hour, the previous hour) by each of uuid, inbox, process, release, outbox. */
  dynamodbQueries: 10,
  /** ACCP and its FLAG shadow item, ACTC, ACSP, ACSC, RCVD. */
  dynamodbPuts: 6,
  /** The FLAG item, at ACSC. */
  dynamodbDeletes: 1,
  /** Eventually consistent queries of a few small items: half a unit each. */
  readUnits: 5,
  /** One unit per small item put or deleted. */
  writeUnits: 7,
  /** Three sends (API Gateway → inbox, inbox → process, process → release), and for each of the three queues the
   *  Lambda poller's receive and delete (at least one each per payment when traffic is light; batches of up to
   *  ten amortise receives under load, deletes are per message unless batched by the poller). */
  sqsRequests: { sends: 3, receivesAtMost: 3, deletes: 3 },
  /** The inbound XML and the outbound JSON put, the outbound read by POST /outbox. */
  s3: { puts: 2, gets: 1 },
  /** Not in Clearway's bill at all, listed for completeness: SNS publish (1), Lambda invocations (5), API Gateway
   *  requests (3). */
  other: 'SNS publish 1, Lambda invocations 5, API Gateway requests 3',
} as const;

/** The guidance's per-payment calls priced with the same list (DynamoDB, SQS, S3 only), in picodollars. */
export function guidanceCostPerPayment(): bigint {
  const g = GUIDANCE_PER_PAYMENT;
  const sqs = BigInt(g.sqsRequests.sends + g.sqsRequests.receivesAtMost + g.sqsRequests.deletes);
  return (
    BigInt(g.readUnits * 2) * PRICE_LIST.dynamodbHalfReadUnit +
    BigInt(g.writeUnits) * PRICE_LIST.dynamodbWriteUnit +
    sqs * PRICE_LIST.sqsFifoRequest +
    BigInt(g.s3.puts) * PRICE_LIST.s3PutClassRequest +
    BigInt(g.s3.gets) * PRICE_LIST.s3GetClassRequest
  );
}
