// SPDX-License-Identifier: Apache-2.0
import { receivedTraceparent } from './host-message.service.js';

describe('the traceparent the simulator records', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('keeps a well-formed W3C traceparent, from a string or an AMQP header buffer', () => {
    expect(receivedTraceparent(valid)).toBe(valid);
    expect(receivedTraceparent(` ${valid} `)).toBe(valid);
    expect(receivedTraceparent(Buffer.from(valid))).toBe(valid);
  });

  it('records nothing else (absent, malformed, upper case, version ff, not text): nothing arbitrary is echoed', () => {
    for (const bad of [undefined, null, 42, '', 'hello', valid.toUpperCase(), `ff${valid.slice(2)}`, `${valid}-extra`]) {
      expect(receivedTraceparent(bad)).toBeNull();
    }
  });
});
