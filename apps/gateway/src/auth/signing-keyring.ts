// SPDX-License-Identifier: Apache-2.0
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import type { SecretStore } from '#application';

/** The key the built-in issuer signs with. */
export const SIGNING_KEY_SECRET = 'auth-signing-key';
/** The key that becomes current at the next rotation: published (and accepted) already, never used to sign. */
export const NEXT_SIGNING_KEY_SECRET = 'auth-signing-key-next';
/** The key the last rotation retired, with how long tokens it signed are still accepted. */
export const PREVIOUS_SIGNING_KEY_SECRET = 'auth-signing-key-previous';
/** How long an instance uses the keys it read before it reads the secret store again (a rotation shows within this). */
export const KEYRING_REFRESH_MS = 10_000;
/** Allowed difference between the clocks of the instances and the rotating host. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * How long a retired key stays accepted after a rotation: the lifetime of the tokens it signed, plus the time
 * every instance needs to see the rotation (its key refresh, and the secret store's cache on AWS).
 */
export function rotationGraceSeconds(tokenTtlSeconds: number, secretsCacheSeconds: number): number {
  return tokenTtlSeconds + secretsCacheSeconds + KEYRING_REFRESH_MS / 1000 + CLOCK_SKEW_SECONDS;
}

/** The built-in issuer's one algorithm. */
export const SIGNING_ALG = 'ES256';

type Key = Awaited<ReturnType<typeof importJWK>>;
type SpkiKey = Parameters<typeof exportSPKI>[0];

/** The retired key as stored under PREVIOUS_SIGNING_KEY_SECRET. */
interface RetiredKey {
  key: JWK;
  retiredAt: string;
  /** Tokens it signed are accepted until then (their lifetime, plus the time instances need to see the rotation). */
  verifyUntil: string;
}

/** A new ES256 private JWK with its thumbprint as `kid`. */
export async function newSigningJwk(): Promise<JWK> {
  const pair = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(pair.privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  jwk.alg = SIGNING_ALG;
  return jwk;
}

function publicOf(jwk: JWK): JWK {
  const { d: _d, ...rest } = jwk;
  return { ...rest, use: 'sig', alg: SIGNING_ALG };
}

function parseJwk(name: string, raw: string): JWK {
  const jwk = JSON.parse(raw) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.kid !== 'string' || typeof jwk.d !== 'string') {
    throw new Error(`the secret ${name} is not an ES256 private JWK with a kid`);
  }
  return jwk;
}

/**
 * Creates the current and the next key when absent. Several instances may start at once on a fresh store:
 * createIfAbsent lets exactly one key win per name, and every instance reads the winners. Returns the names
 * created (for the log).
 */
export async function ensureSigningKeys(store: SecretStore): Promise<string[]> {
  const created: string[] = [];
  for (const name of [SIGNING_KEY_SECRET, NEXT_SIGNING_KEY_SECRET]) {
    if ((await store.get(name)) !== null) continue;
    if (await store.createIfAbsent(name, JSON.stringify(await newSigningJwk()))) created.push(name);
  }
  return created;
}

/** One key of the ring: its public JWK and the PEM passport-jwt verifies with. */
export interface RingKey {
  kid: string;
  publicJwk: JWK;
  pem: string;
}

/** What one instance holds: the key it signs with, and every key it accepts (by kid). */
export interface SigningKeyring {
  signing: { kid: string; privateKey: Key };
  current: RingKey;
  next: RingKey;
  /** The retired key while its tokens may still be alive; null otherwise. */
  previous: RingKey | null;
  /** The raw stored values this ring was built from (to skip rebuilding when nothing changed). */
  source: string;
}

async function ringKey(jwk: JWK): Promise<RingKey> {
  const publicJwk = publicOf(jwk);
  return { kid: jwk.kid!, publicJwk, pem: await exportSPKI((await importJWK(publicJwk, SIGNING_ALG)) as SpkiKey) };
}

/** Reads the three secrets and builds the ring; the previous key only while `now` is before its verifyUntil. */
export async function loadSigningKeyring(store: SecretStore, now: Date, before?: SigningKeyring): Promise<SigningKeyring> {
  const [current, next, previous] = await Promise.all([
    store.get(SIGNING_KEY_SECRET),
    store.get(NEXT_SIGNING_KEY_SECRET),
    store.get(PREVIOUS_SIGNING_KEY_SECRET),
  ]);
  if (current === null || next === null) throw new Error('the token-signing keys are not in the secret store');
  const retired = previous === null ? null : (JSON.parse(previous) as RetiredKey);
  const previousAlive = retired !== null && Date.parse(retired.verifyUntil) > now.getTime();
  const source = JSON.stringify([current, next, previousAlive ? previous : null]);
  if (before && before.source === source) return before;
  const currentJwk = parseJwk(SIGNING_KEY_SECRET, current);
  return {
    signing: { kid: currentJwk.kid!, privateKey: await importJWK(currentJwk, SIGNING_ALG) },
    current: await ringKey(currentJwk),
    next: await ringKey(parseJwk(NEXT_SIGNING_KEY_SECRET, next)),
    previous: previousAlive ? await ringKey(parseJwk(PREVIOUS_SIGNING_KEY_SECRET, JSON.stringify(retired.key))) : null,
    source,
  };
}

/** The key of the ring with this kid (current, next, or the still-accepted previous one). */
export function keyByKid(ring: SigningKeyring, kid: string | undefined): RingKey | null {
  if (!kid) return null;
  return [ring.current, ring.next, ring.previous].find((k) => k?.kid === kid) ?? null;
}

export class RotationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationRefusedError';
  }
}

/**
 * One rotation: the current key is retired (still accepted for `graceSeconds`), the next key becomes current,
 * a new next key is made. Written in an order in which every intermediate state is safe for instances that
 * read it meanwhile: previous first (an extra accepted key), then current (already known to every instance as
 * next), then the new next. Refused while the last rotation's retired key is still accepted (a second rotation
 * then would drop keys that live tokens were signed with, and a next key that instances may not know yet),
 * unless `force`.
 */
export async function rotateSigningKeys(
  store: SecretStore,
  options: { now: Date; graceSeconds: number; force?: boolean },
): Promise<{ retired: string; current: string; next: string }> {
  await ensureSigningKeys(store);
  const current = parseJwk(SIGNING_KEY_SECRET, (await store.get(SIGNING_KEY_SECRET))!);
  const next = parseJwk(NEXT_SIGNING_KEY_SECRET, (await store.get(NEXT_SIGNING_KEY_SECRET))!);
  const previous = await store.get(PREVIOUS_SIGNING_KEY_SECRET);
  if (previous !== null && !options.force) {
    const retired = JSON.parse(previous) as RetiredKey;
    if (Date.parse(retired.verifyUntil) > options.now.getTime()) {
      throw new RotationRefusedError(
        `the last rotation (${retired.retiredAt}) is still in its grace period until ${retired.verifyUntil}; rotate again after that (or --force, which makes tokens signed before the last rotation invalid)`,
      );
    }
  }
  const verifyUntil = new Date(options.now.getTime() + options.graceSeconds * 1000).toISOString();
  const record: RetiredKey = { key: current, retiredAt: options.now.toISOString(), verifyUntil };
  await store.put(PREVIOUS_SIGNING_KEY_SECRET, JSON.stringify(record));
  await store.put(SIGNING_KEY_SECRET, JSON.stringify(next));
  const fresh = await newSigningJwk();
  await store.put(NEXT_SIGNING_KEY_SECRET, JSON.stringify(fresh));
  return { retired: current.kid!, current: next.kid!, next: fresh.kid! };
}
