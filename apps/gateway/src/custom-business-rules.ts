// SPDX-License-Identifier: Apache-2.0
import type { BusinessRule } from '#application';

/**
 * A deployment's own business rules, added to the built-in ones (see docs/business-rules.md). They run
 * after the built-in checks and before screening, unless BUSINESS_RULES_ORDER places them elsewhere.
 *
 * Example: refuse payments whose debtor and creditor account are the same
 * (with `import { pass, reject, type BusinessRule } from '#application';`):
 *
 *   export const CUSTOM_BUSINESS_RULES: BusinessRule[] = [
 *     {
 *       id: 'no-self-payments',
 *       reasonCodes: ['AG03'],
 *       async check(p) {
 *         return p.debtorAccount !== null && p.debtorAccount === p.creditorAccount
 *           ? reject('AG03', 'debtor and creditor account are the same')
 *           : pass();
 *       },
 *     },
 *   ];
 */
export const CUSTOM_BUSINESS_RULES: readonly BusinessRule[] = [];
