// SPDX-License-Identifier: Apache-2.0
/**
 * The deployment's settings: CDK context (`-c key=value`, or `context` in cdk.json) read into one typed object,
 * with defaults chosen so that `npm run cdk:synth` works with no context at all. Every key is documented in
 * deploy/aws-cdk/README.md.
 */

/** A client of the gateway: its secret is generated in Secrets Manager as `<secretsPrefix>clients/<id>`. */
export interface ClientSetting {
  id: string;
  scopes: string[];
}

export interface ClearwaySettings {
  /** Base of every name: table, queues, secret prefix, log groups, alarms, stacks. */
  name: string;
  /** AWS account; unset: `CDK_DEFAULT_ACCOUNT` (cdk CLI), else the stacks are account-agnostic. */
  account: string | undefined;
  /** One or two AWS regions; the first is the primary (the table's home, the Route 53 PRIMARY record). */
  regions: string[];
  /** `strong` (multi-Region strong consistency, needs `witnessRegion`) or `eventual`; two regions only. */
  consistency: 'strong' | 'eventual';
  /** The MRSC witness region (`consistency=strong` with two regions). */
  witnessRegion: string | undefined;
  /** ACM certificate ARN of the HTTPS listener, per region (a plain string: the primary region's). */
  certificateArns: Record<string, string>;
  /** The public name of the API (e.g. `payments.example.com`); with a hosted zone, its alias or failover records. */
  domainName: string | undefined;
  hostedZoneId: string | undefined;
  hostedZoneName: string | undefined;
  /** A full image URI (any registry); when unset, `<ecrRepository>:<imageTag>` in the region's ECR. */
  image: string | undefined;
  ecrRepository: string;
  imageTag: string;
  apiDesiredCount: number;
  workerDesiredCount: number;
  /** Fargate task size (both roles). */
  cpu: number;
  memoryMiB: number;
  /** `maxReceiveCount` of the work queue's RedrivePolicy, and JOB_MAX_ATTEMPTS. */
  jobMaxAttempts: number;
  /** Default retention of the archive's S3 Object Lock, in days, and its mode. */
  objectLockDays: number;
  objectLockMode: 'COMPLIANCE' | 'GOVERNANCE';
  /** Archive objects move to S3 Glacier Flexible Retrieval after this many days. */
  archiveTransitionDays: number;
  /** CloudWatch Logs retention (one of the values CloudWatch accepts). */
  logRetentionDays: number;
  /** Subscribed to the alarms' SNS topic when set. */
  alarmEmail: string | undefined;
  /** The clients (CLEARWAY_CLIENTS); each gets a generated secret. */
  clients: ClientSetting[];
  /** LEGACY_HOST_URL (proxy mode). The default is a placeholder: set it. */
  legacyHostUrl: string;
  /** Create `<secretsPrefix>legacy-host/authorization` and set LEGACY_HOST_AUTH_SECRET. */
  legacyHostAuth: boolean;
  /** CIDR of the VPC made in each region. */
  vpcCidr: string;
  /** NAT gateways per region (one per AZ for availability; 1 to save cost). */
  natGateways: number;
  /** Sources allowed to reach the load balancer on 80/443. */
  allowedCidrs: string[];
  /** A Cognito user pool with the resource server `rp2` (scopes `rp2/read`, `rp2/write`). */
  cognito: boolean;
}

/** Values CloudWatch Logs accepts as a retention. */
const LOG_RETENTIONS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const DEFAULT_SETTINGS: ClearwaySettings = {
  name: 'clearway',
  account: undefined,
  regions: ['eu-west-1'],
  consistency: 'eventual',
  witnessRegion: undefined,
  certificateArns: {},
  domainName: undefined,
  hostedZoneId: undefined,
  hostedZoneName: undefined,
  image: undefined,
  ecrRepository: 'clearway',
  imageTag: 'latest',
  apiDesiredCount: 2,
  workerDesiredCount: 2,
  cpu: 1024,
  memoryMiB: 2048,
  jobMaxAttempts: 8,
  objectLockDays: 365,
  objectLockMode: 'COMPLIANCE',
  archiveTransitionDays: 90,
  logRetentionDays: 365,
  alarmEmail: undefined,
  clients: [{ id: 'operator', scopes: ['payments:read', 'payments:write', 'payments:operate'] }],
  legacyHostUrl: 'https://legacy-host.example.internal:8443',
  legacyHostAuth: true,
  vpcCidr: '10.40.0.0/16',
  natGateways: 2,
  allowedCidrs: ['0.0.0.0/0'],
  cognito: false,
};

/** Reads one context value (the App's `node.tryGetContext`). */
export type ContextReader = (key: string) => unknown;

function str(read: ContextReader, key: string): string | undefined {
  const v = read(key);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`context ${key} must be a string, got ${JSON.stringify(v)}`);
  return String(v).trim();
}

function int(read: ContextReader, key: string, fallback: number, min: number, max: number): number {
  const raw = str(read, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`context ${key} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function bool(read: ContextReader, key: string, fallback: boolean): boolean {
  const v = read(key);
  if (v === undefined || v === null || v === '') return fallback;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(v)}`);
}

/** A list: a JSON array in cdk.json, or a comma-separated string on the command line. */
function list(read: ContextReader, key: string, fallback: string[]): string[] {
  const v = read(key);
  if (v === undefined || v === null || v === '') return fallback;
  const entries = Array.isArray(v) ? v.map(String) : String(v).split(',');
  return entries.map((s) => s.trim()).filter((s) => s !== '');
}

/** A JSON value: as is from cdk.json, parsed from a string given with `-c`. */
function json(read: ContextReader, key: string): unknown {
  const v = read(key);
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw new Error(`context ${key} must be JSON, got "${v}"`);
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function readSettings(read: ContextReader): ClearwaySettings {
  const d = DEFAULT_SETTINGS;
  const name = str(read, 'name') ?? d.name;
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(name))
    throw new Error(`context name must be 2-31 of a-z 0-9 - (starting with a letter), got "${name}"`);
  const regions = list(read, 'regions', d.regions);
  if (regions.length < 1 || regions.length > 2) throw new Error(`context regions must name one or two regions, got ${regions.length}`);
  for (const r of regions) if (!REGION.test(r)) throw new Error(`context regions: "${r}" is not an AWS region`);
  if (new Set(regions).size !== regions.length) throw new Error('context regions: a region is named twice');
  const witnessRegion = str(read, 'witnessRegion');
  const consistency = (str(read, 'consistency') ?? (witnessRegion ? 'strong' : d.consistency)) as string;
  if (consistency !== 'strong' && consistency !== 'eventual')
    throw new Error(`context consistency must be strong or eventual, got "${consistency}"`);
  if (regions.length === 2 && consistency === 'strong' && !witnessRegion) {
    throw new Error(
      'context consistency=strong with two regions needs witnessRegion (a multi-Region strong consistency table has two replicas and a witness)',
    );
  }

  const certs = json(read, 'certificateArn');
  let certificateArns: Record<string, string> = {};
  if (typeof certs === 'string' && certs !== '') certificateArns = { [regions[0]]: certs };
  else if (certs && typeof certs === 'object' && !Array.isArray(certs)) certificateArns = certs as Record<string, string>;
  else if (certs !== undefined && certs !== null && certs !== '')
    throw new Error('context certificateArn must be an ARN or a {"<region>": "<ARN>"} object');

  const rawClients = json(read, 'clients');
  let clients = d.clients;
  if (rawClients !== undefined && rawClients !== null && rawClients !== '') {
    if (!Array.isArray(rawClients)) throw new Error('context clients must be a JSON array of {"id", "scopes"}');
    clients = rawClients.map((c: unknown) => {
      const { id, scopes } = (c ?? {}) as { id?: unknown; scopes?: unknown };
      if (typeof id !== 'string' || !CLIENT_ID.test(id))
        throw new Error(`context clients: id ${JSON.stringify(id)} must be 1-64 of A-Z a-z 0-9 . _ -`);
      if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string'))
        throw new Error(`context clients: ${id} needs "scopes", an array of strings`);
      return { id, scopes: scopes as string[] };
    });
  }

  const logRetentionDays = int(read, 'logRetentionDays', d.logRetentionDays, 1, 3653);
  if (!LOG_RETENTIONS.includes(logRetentionDays)) throw new Error(`context logRetentionDays must be one of ${LOG_RETENTIONS.join(', ')}`);
  const objectLockMode = (str(read, 'objectLockMode') ?? d.objectLockMode).toUpperCase();
  if (objectLockMode !== 'COMPLIANCE' && objectLockMode !== 'GOVERNANCE')
    throw new Error('context objectLockMode must be COMPLIANCE or GOVERNANCE');
  const hostedZoneId = str(read, 'hostedZoneId');
  const hostedZoneName = str(read, 'hostedZoneName');
  const domainName = str(read, 'domainName');
  if ((hostedZoneId || hostedZoneName) && !(hostedZoneId && hostedZoneName && domainName)) {
    throw new Error('context hostedZoneId, hostedZoneName and domainName go together');
  }

  return {
    name,
    account: str(read, 'account'),
    regions,
    consistency,
    witnessRegion,
    certificateArns,
    domainName,
    hostedZoneId,
    hostedZoneName,
    image: str(read, 'image'),
    ecrRepository: str(read, 'ecrRepository') ?? d.ecrRepository,
    imageTag: str(read, 'imageTag') ?? d.imageTag,
    apiDesiredCount: int(read, 'apiDesiredCount', d.apiDesiredCount, 0, 100),
    workerDesiredCount: int(read, 'workerDesiredCount', d.workerDesiredCount, 0, 100),
    cpu: int(read, 'cpu', d.cpu, 256, 16384),
    memoryMiB: int(read, 'memoryMiB', d.memoryMiB, 512, 122880),
    jobMaxAttempts: int(read, 'jobMaxAttempts', d.jobMaxAttempts, 1, 1000),
    objectLockDays: int(read, 'objectLockDays', d.objectLockDays, 1, 36500),
    objectLockMode,
    archiveTransitionDays: int(read, 'archiveTransitionDays', d.archiveTransitionDays, 1, 36500),
    logRetentionDays,
    alarmEmail: str(read, 'alarmEmail'),
    clients,
    legacyHostUrl: str(read, 'legacyHostUrl') ?? d.legacyHostUrl,
    legacyHostAuth: bool(read, 'legacyHostAuth', d.legacyHostAuth),
    vpcCidr: str(read, 'vpcCidr') ?? d.vpcCidr,
    natGateways: int(read, 'natGateways', d.natGateways, 1, 3),
    allowedCidrs: list(read, 'allowedCidrs', d.allowedCidrs),
    cognito: bool(read, 'cognito', d.cognito),
  };
}
