// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot } from '#domain';

/** A cursor of the operator's lists that they did not produce (or that was tampered with): a 400. */
export class InvalidOperatorCursorError extends Error {
  readonly code = 'PAGINATION.INVALID_CURSOR';
  constructor() {
    super('invalid pagination cursor');
    this.name = 'InvalidOperatorCursorError';
  }
}

/** How many items one page of an operator list holds at most. */
export const MAX_OPERATOR_PAGE = 500;

export function pageSize(limit: number): number {
  return Math.min(Math.max(Math.trunc(limit) || 1, 1), MAX_OPERATOR_PAGE);
}

/** A position in a list ordered by a key then an id (opaque to callers: base64url of JSON). */
export function encodeCursor(key: string | number, id: string): string {
  return Buffer.from(JSON.stringify([key, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): [string | number, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || Number.isSafeInteger(v[0])) && typeof v[1] === 'string') {
      return [v[0] as string | number, v[1]];
    }
  } catch {
    // falls through
  }
  throw new InvalidOperatorCursorError();
}

/**
 * One page of payments ordered oldest update first (as `findStale` answers), after the cursor's position, with the
 * cursor of the next page when more follow.
 */
export function pageByUpdate(
  items: readonly PaymentSnapshot[],
  limit: number,
  cursor: string | null | undefined,
): { items: PaymentSnapshot[]; nextCursor: string | null } {
  let rest = items;
  if (cursor) {
    const [at, id] = decodeCursor(cursor);
    rest = items.filter((p) => p.updatedAt > String(at) || (p.updatedAt === String(at) && p.id > id));
  }
  const n = pageSize(limit);
  const page = rest.slice(0, n);
  const last = page.at(-1);
  return { items: page, nextCursor: rest.length > n && last ? encodeCursor(last.updatedAt, last.id) : null };
}
