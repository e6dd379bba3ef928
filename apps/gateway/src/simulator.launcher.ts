import { spawn, type ChildProcess } from 'node:child_process';
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

/**
 * Proxy mode without LEGACY_HOST_URL: use the legacy-host simulator on SIM_PORT, starting it as a child
 * process when none answers there yet. Returns its URL and a stop function (no-op for one we did not start).
 */
export async function ensureSimulator(port: number, schemaDir: string): Promise<{ url: string; stop(): void }> {
  const url = `http://127.0.0.1:${port}`;
  if (await answers(url)) {
    log.log(`using the simulator already answering on ${url}`);
    return { url, stop: () => {} };
  }
  const main = fileURLToPath(new URL('../../legacy-host-sim/src/main.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { ...process.env, SIM_PORT: String(port), SCHEMA_DIR: schemaDir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the simulator exited with code ${child.exitCode}`);
    if (await answers(url)) {
      log.log(`started the legacy-host simulator on ${url} (pid ${child.pid})`);
      const stop = () => {
        if (child.exitCode === null) child.kill('SIGTERM');
      };
      process.once('exit', stop);
      return { url, stop };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the simulator did not answer on ${url} within 20 s`);
}
