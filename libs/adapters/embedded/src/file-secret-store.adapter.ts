// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretStore } from '#application';

const MAX_FILE_NAME = 200;

/**
 * Maps a secret name to a file name, one to one: letters, digits, `_` and `-` stay, every other byte of
 * the UTF-8 name becomes `%XX`. So no name can reach outside the directory (`/`, `..`) or hide as a
 * dot file, and two different names never share a file.
 */
export function secretFileName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new Error('secret name must be a non-empty string');
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length > MAX_FILE_NAME) throw new Error(`secret name too long: ${name.slice(0, 40)}...`);
  return out;
}

/**
 * Secrets as files under `${dataDir}/secrets/` (directory 0700, files 0600), one file per name, the value
 * stored as it is (no trailing newline added or removed). Writes are atomic (temp file, fsync, rename).
 */
export class FileSecretStore implements SecretStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'secrets');
  }

  async get(name: string): Promise<string | null> {
    try {
      return await readFile(join(this.dir, secretFileName(name)), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async put(name: string, value: string): Promise<void> {
    const target = join(this.dir, secretFileName(name));
    const temp = await this.writeTemp(value);
    await rename(temp, target);
    await this.syncDir();
  }

  /** A hard link to the complete temp file: created only when the name is free (EEXIST otherwise), atomically. */
  async createIfAbsent(name: string, value: string): Promise<boolean> {
    const target = join(this.dir, secretFileName(name));
    const temp = await this.writeTemp(value);
    try {
      await link(temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
    await this.syncDir();
    return true;
  }

  /** The value in a new 0600 temp file of the directory, synced to disk; returns its path. */
  private async writeTemp(value: string): Promise<string> {
    await this.ensureDir();
    const temp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // the umask cannot widen it, but be explicit
      await handle.writeFile(value, 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    return temp;
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
  }

  private async syncDir(): Promise<void> {
    try {
      const dir = await open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch {
      // not every platform can fsync a directory; the rename itself is still atomic
    }
  }
}
