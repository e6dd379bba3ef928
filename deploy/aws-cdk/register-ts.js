// SPDX-License-Identifier: Apache-2.0
// Lets Node run the CDK app's TypeScript directly (its type stripping): a relative `./x.js` import that does not
// exist resolves to `./x.ts`, as TypeScript's nodenext resolution does. `node --import ./register-ts.js bin/clearway.ts`
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (e) {
      if (e?.code === 'ERR_MODULE_NOT_FOUND' && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw e;
    }
  },
});
