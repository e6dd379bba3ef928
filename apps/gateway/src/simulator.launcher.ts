// SPDX-License-Identifier: Apache-2.0
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';

const log = new Logger('Simulator');

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}

/** What the bundled simulator may see of the gateway's environment: its own SIM_* settings, nothing else. */
const SIMULATOR_VARIABLES = /^SIM_[A-Z0-9_]+$/;
/** The multi-host settings: the bundled simulator is one host on SIM_PORT, so they are not passed on. */
const MULTI_HOST_VARIABLES = ['SIM_HOSTS', 'SIM_CONTROL_PORT'];
/** What a Node process needs to run at all (time zone, locale); never a secret. */
const PROCESS_VARIABLES = ['PATH', 'TZ', 'LANG', 'LC_ALL', 'NODE_ENV'];

/**
 * The environment of the bundled simulator: its SIM_* settings and the few variables a Node process needs,
 * with SIM_PORT and SCHEMA_DIR set. The gateway's own settings (client secrets, SCREENING_AUTH_HEADER, AWS
 * credentials, AMQP_URL, ...) are not passed on.
 */
export function simulatorEnvironment(source: NodeJS.ProcessEnv, port: number, schemaDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (MULTI_HOST_VARIABLES.includes(name)) continue;
    if (value !== undefined && (SIMULATOR_VARIABLES.test(name) || PROCESS_VARIABLES.includes(name))) env[name] = value;
  }
  return { ...env, SIM_PORT: String(port), SCHEMA_DIR: schemaDir };
}

/**
 * The simulator's own output, line by line, as the gateway's log lines (`context: "Simulator"`), so that the
 * gateway's standard output stays one format (LOG_FORMAT=json: one JSON object per line). The pipe does not
 * keep the gateway alive.
 */
function forwardLines(stream: Readable | null, write: (line: string) => void): void {
  if (!stream) return;
  (stream as Readable & { unref?: () => void }).unref?.();
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    if (line.trim() !== '') write(line);
  });
}

/**
 * Proxy mode without LEGACY_HOST_URL: use the legacy-host simulator on SIM_PORT, starting it as a child
 * process when none answers there yet. Returns its URL and a stop function (no-op for one we did not start).
 *
 * The child is tied to the gateway by an IPC channel: when the gateway process ends, however it ends (SIGTERM,
 * SIGINT, a crash, even SIGKILL), the channel closes and the simulator shuts itself down. `stop()` ends it
 * earlier, and the gateway calls it when it closes.
 */
export async function ensureSimulator(
  port: number,
  schemaDir: string,
  source: NodeJS.ProcessEnv = process.env,
): Promise<{ url: string; pid: number | null; stop(): void }> {
  const url = `http://127.0.0.1:${port}`;
  if (await answers(url)) {
    log.log(`using the simulator already answering on ${url}`);
    return { url, pid: null, stop: () => {} };
  }
  const main = fileURLToPath(new URL('../../legacy-host-sim/src/main.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: simulatorEnvironment(source, port, schemaDir),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  forwardLines(child.stdout, (line) => log.log(line));
  forwardLines(child.stderr, (line) => log.warn(line));
  // the channel must not keep the gateway alive on its own
  child.unref();
  child.channel?.unref();
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stop);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the simulator exited with code ${child.exitCode}`);
    if (await answers(url)) {
      log.log(`started the legacy-host simulator on ${url} (pid ${child.pid})`);
      return { url, pid: child.pid ?? null, stop };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the simulator did not answer on ${url} within 20 s`);
}
