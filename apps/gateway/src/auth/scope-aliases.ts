// SPDX-License-Identifier: Apache-2.0
/**
 * Scope names of the AWS reference guidance (its Cognito resource server `rp2`), accepted as aliases so its
 * clients work unchanged: a token asked for or carrying an alias grants the Clearway scope it stands for.
 * A Map, not an object literal: scope names come from requests and tokens, and a plain-object lookup would
 * find `constructor`, `__proto__` or `toString` on Object.prototype.
 */
export const SCOPE_ALIASES: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['rp2/read', ['payments:read']],
  ['rp2/write', ['payments:write']],
]);

/** The scopes a token grants: its own plus what its aliases stand for. */
export function expandScopes(scopes: readonly string[]): string[] {
  const out = new Set(scopes);
  for (const s of scopes) for (const target of SCOPE_ALIASES.get(s) ?? []) out.add(target);
  return [...out];
}

/** Whether a client holding `granted` may ask for `requested` (itself, or an alias of a scope it holds). */
export function mayRequest(requested: string, granted: readonly string[]): boolean {
  if (granted.includes(requested)) return true;
  const targets = SCOPE_ALIASES.get(requested);
  return targets !== undefined && targets.every((t) => granted.includes(t));
}
