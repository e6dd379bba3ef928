// SPDX-License-Identifier: Apache-2.0
/** A tiny seeded PRNG (mulberry32) so that fault runs can be repeated; not for anything secret. */
export function seededRandom(seed: string): () => number {
  // FNV-1a over the seed text gives the 32-bit starting state.
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    state ^= seed.charCodeAt(i);
    state = Math.imul(state, 0x01000193) >>> 0;
  }
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
