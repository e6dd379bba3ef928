// SPDX-License-Identifier: Apache-2.0
import { ProblemException, type ProblemIssue } from './problem.js';

/**
 * Reading JSON request bodies at the edge. A JSON body is whatever the client sent: any field may be a
 * number, an object, an array or null, and its keys may be `__proto__` or `constructor`. These helpers read
 * only own fields, check their type before anything uses them, and gather every wrong field into one 400
 * problem whose `errors` name them (`path`), so a merely wrong body never reaches a use case as a TypeError.
 */

/** The own fields of a JSON object body. */
export type JsonFields = ReadonlyMap<string, unknown>;

/**
 * The body as its own fields: `null` when no body was sent (absent, empty or JSON `null`), `'not-an-object'`
 * for an array, a string, a number or a boolean.
 */
export function jsonFields(body: unknown): JsonFields | null | 'not-an-object' {
  if (body === undefined || body === null || body === '') return null;
  if (typeof body !== 'object' || Array.isArray(body)) return 'not-an-object';
  return new Map(Object.entries(body));
}

/** The rules of one string field; `undefined` is returned for an absent field (a JSON null counts as absent when `nullable`). */
export interface StringFieldRule {
  required?: boolean;
  /** JSON null is read as absent (for optional fields clients send as null). */
  nullable?: boolean;
  maxLength?: number;
  pattern?: RegExp;
  /** What the field must be, for the problem: "must be <expected>". */
  expected: string;
}

/**
 * Collects the fields of one body. `string(name, rule)` answers the field's value when it is a string that
 * follows the rule, else records an issue naming it; `problem(code)` throws the 400 problem when any was
 * recorded.
 */
export class FieldReader {
  readonly issues: ProblemIssue[] = [];

  constructor(private readonly fields: JsonFields) {}

  has(name: string): boolean {
    return this.fields.has(name) && this.fields.get(name) !== undefined;
  }

  string(name: string, rule: StringFieldRule): string | undefined {
    const value = this.fields.get(name);
    if (value === undefined || (value === null && rule.nullable)) {
      if (rule.required) this.issue(name, `is required: it must be ${rule.expected}`);
      return undefined;
    }
    const valid =
      typeof value === 'string' &&
      (rule.maxLength === undefined || value.length <= rule.maxLength) &&
      (rule.pattern === undefined || rule.pattern.test(value));
    if (!valid) {
      this.issue(name, `must be ${rule.expected}${typeof value === 'string' ? '' : `, not ${jsonTypeOf(value)}`}`);
      return undefined;
    }
    return value as string;
  }

  issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** Throws the 400 problem naming every wrong field, if there is one. */
  problem(code: string): void {
    if (this.issues.length > 0) throw invalidFields(code, this.issues);
  }
}

/** A 400 problem naming the wrong fields of a request (`errors: [{path, message}]`). */
export function invalidFields(code: string, issues: readonly ProblemIssue[], status = 400): ProblemException {
  const detail = issues.map((i) => `${i.path || 'body'} ${i.message}`).join('; ');
  return new ProblemException(status, code, detail, { errors: [...issues] });
}

/** The JSON type of a value, as a client would call it. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}
