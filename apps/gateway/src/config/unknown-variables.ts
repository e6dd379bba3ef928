// SPDX-License-Identifier: Apache-2.0
/**
 * A misspelt setting is silently ignored by a loader that reads only the names it knows, so the operator
 * believes it is in force. At start, every variable that looks like one of ours (a known prefix) but is not
 * a known variable is reported with the closest known name.
 */
import { VARIABLE_NAMES } from './variables.js';

/** Prefixes of the gateway's variables; a variable with one of them is expected to be known. */
export const KNOWN_PREFIXES: readonly string[] = [
  'CLEARWAY_',
  'AUTH_',
  'TOKEN_',
  'TLS_',
  'API_',
  'TRUSTED_',
  'HOST_',
  'LEGACY_HOST_',
  'SIM_',
  'ROUTING_',
  'AMQP_',
  'MQ_',
  'INBOUND_',
  'OUTBOUND_',
  'SQS_',
  'S3_',
  'DYNAMODB_',
  'SECRETS_',
  'SQLITE_',
  'AWS_COMPAT_',
  'JOB_',
  'WORKER_',
  'SLA_',
  'SWEEP_',
  'RECOVERY_',
  'LEDGER_',
  'SCREENING_',
  'HOLD_',
  'CREDITOR_',
  'BUSINESS_RULES_',
  'MAX_',
  'REQUEST_',
  'HEADERS_',
  'CONNECTION_',
  'KEEP_ALIVE_',
];

/**
 * Variables with a known prefix that the gateway does not read but that are legitimate: the legacy-host
 * simulator's own settings (apps/legacy-host-sim/src/sim.config.ts), which reach the simulator it starts.
 */
export const FOREIGN_VARIABLES: readonly string[] = [
  'SIM_HOST',
  'SIM_LATENCY_MS',
  'SIM_LATENCY_JITTER_MS',
  'SIM_ERROR_RATE',
  'SIM_TIMEOUT_RATE',
  'SIM_TIMEOUT_MS',
  'SIM_DOWN',
  'SIM_REJECT_SUFFIX',
  'SIM_CANCEL_WINDOW_SECONDS',
  'SIM_DROP_ANSWERS',
  'SIM_DROP_ANSWER_RATE',
  'SIM_SEED',
  'SIM_DATA_FILE',
  'SIM_LOG',
  'SIM_HOSTS',
  'SIM_CONTROL_PORT',
];

/** Levenshtein distance (small strings: variable names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

export interface UnknownVariable {
  name: string;
  /** The known variable closest to it. */
  closest: string;
}

/** The variables of `env` that look like the gateway's (a known prefix, or a known name in lower case) but are not. */
export function unknownVariables(env: Record<string, string | undefined>, known: readonly string[] = VARIABLE_NAMES): UnknownVariable[] {
  const names = new Set([...known, ...FOREIGN_VARIABLES]);
  const out: UnknownVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (names.has(name)) continue;
    const upper = name.toUpperCase();
    const looksOurs = KNOWN_PREFIXES.some((p) => upper.startsWith(p)) || (upper !== name && names.has(upper));
    if (!looksOurs) continue;
    let closest = known[0]!;
    for (const candidate of known) {
      if (distance(upper, candidate) < distance(upper, closest)) closest = candidate;
    }
    out.push({ name, closest });
  }
  return out;
}

/** The start-up warning for one unknown variable. */
export function unknownVariableWarning(v: UnknownVariable): string {
  return `${v.name} is not a Clearway setting and is ignored; did you mean ${v.closest}?`;
}
