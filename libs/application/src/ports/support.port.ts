// SPDX-License-Identifier: Apache-2.0
/** The time, injectable so tests and sweepers agree on it. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new UUID v4. */
  uuid(): string;
}

/** Reads secrets by name (signing keys, client secrets, host credentials). */
export interface SecretStore {
  get(name: string): Promise<string | null>;
  /** Stores a secret; the embedded store keeps it under DATA_DIR, cloud stores may refuse. */
  put(name: string, value: string): Promise<void>;
  /**
   * Stores a secret only if none exists under that name, atomically: of several instances racing at first
   * start, exactly one wins (true); the others get false and read the winner's value.
   */
  createIfAbsent(name: string, value: string): Promise<boolean>;
}
