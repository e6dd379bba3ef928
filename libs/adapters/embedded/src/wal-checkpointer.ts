// SPDX-License-Identifier: Apache-2.0
import { endianness } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface WalCheckpointerOptions {
  /** The database file (in WAL mode; its -shm file exists while a connection is open). */
  path: string;
  /** Checkpoint once this many WAL frames (pages) are not yet copied into the database; 1000 as SQLite's default. */
  frames?: number;
  /** How often the WAL-index is looked at, in milliseconds; 100 unless told otherwise. */
  intervalMs?: number;
  /**
   * Asked by the thread after its first pass: the connection starts no write transaction until `resume` is
   * called (writes wait in the queue; the event loop stays free). Called on the event loop, between two turns,
   * so no transaction is open.
   */
  pause: () => void;
  resume: () => void;
  /** A pause that was not ended by then is ended anyway (milliseconds; 1000 unless told otherwise). */
  maxPauseMs?: number;
}

export interface CheckpointStats {
  /** Checkpoints run on the checkpointer's thread (each a pass without and a pass with writes paused). */
  checkpoints: number;
  /** Frames they copied into the database file. */
  frames: number;
  /** Checkpoints that left the WAL fully copied, so that the next write starts it again from the beginning. */
  complete: number;
  /** The longest first pass, in milliseconds (writes go on meanwhile). */
  longestMs: number;
  /** Time writes waited for second passes, in all, and the longest wait, in milliseconds. */
  pausedMs: number;
  longestPauseMs: number;
}

/**
 * The checkpointer's thread, with its own connection. Every `intervalMs` it reads the WAL-index header in the
 * -shm file (https://www.sqlite.org/walformat.html: mxFrame, the last valid frame, at byte 16; nBackfill, the
 * frames already copied, at byte 96; both in the host's byte order). When `frames` or more wait:
 * 1. `PRAGMA wal_checkpoint(PASSIVE)` copies them and syncs the database file, without the write lock, while
 *    the main connection keeps committing;
 * 2. it asks the main thread to pause its writes, copies what was committed during the first pass (a few
 *    milliseconds' worth) the same way, and ends the pause. The WAL is then fully copied, so the next write
 *    transaction starts it again from its beginning; without this step a busy writer always stays ahead of
 *    the checkpoint and the WAL grows until the connection's fallback checkpoint runs on the event loop.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { openSync, readSync, closeSync } = require('node:fs');
const { path, frames, intervalMs, littleEndian } = workerData;
const db = new DatabaseSync(path, { timeout: 0 });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const shm = openSync(path + '-shm', 'r');
const header = Buffer.alloc(100);
const u32 = (at) => (littleEndian ? header.readUInt32LE(at) : header.readUInt32BE(at));
let stopped = false;
let first = null;
const fail = (error) => parentPort.postMessage({ type: 'error', message: String((error && error.message) || error) });
const timer = setInterval(() => {
  if (first !== null || stopped) return;
  try {
    if (readSync(shm, header, 0, 100, 0) < 100) return;
    if (u32(16) - u32(96) < frames) return;
    const started = performance.now();
    const r = checkpoint.get();
    first = { frames: Math.max(0, Number(r.checkpointed)), ms: performance.now() - started };
    parentPort.postMessage({ type: 'pause' });
  } catch (error) {
    first = null;
    fail(error);
  }
}, intervalMs);
parentPort.on('message', (m) => {
  if (m === 'paused' && first !== null) {
    const started = performance.now();
    let r = { log: -1, checkpointed: -1 };
    try {
      r = checkpoint.get();
    } catch (error) {
      fail(error);
    }
    const pausedMs = performance.now() - started;
    parentPort.postMessage({
      type: 'resume',
      frames: first.frames,
      ms: first.ms,
      pausedMs,
      complete: Number(r.log) >= 0 && Number(r.log) === Number(r.checkpointed),
    });
    first = null;
  } else if (m === 'stop' && !stopped) {
    stopped = true;
    clearInterval(timer);
    try { closeSync(shm); } catch {}
    try { db.close(); } catch {}
    parentPort.close();
  }
});
`;

type FromWorker =
  | { type: 'pause' }
  | { type: 'resume'; frames: number; ms: number; pausedMs: number; complete: boolean }
  | { type: 'error'; message: string };

/**
 * Moves the WAL checkpoint of the embedded store off the event loop (ADR 0015). SQLite's automatic
 * checkpoint runs inside the COMMIT that crosses 1000 frames: it copies the pages into the database file and
 * fsyncs it on the thread that committed, which held the gateway's loop for 10–60 ms under load. The main
 * connection's automatic checkpoint is raised to a fallback (`EmbeddedDatabase`), and this thread does the
 * work at SQLite's usual threshold instead.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly counters: CheckpointStats = { checkpoints: 0, frames: 0, complete: 0, longestMs: 0, pausedMs: 0, longestPauseMs: 0 };
  private lastError: string | null = null;
  private pauseTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: WalCheckpointerOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path: options.path,
        frames: options.frames ?? 1000,
        intervalMs: options.intervalMs ?? 100,
        littleEndian: endianness() === 'LE',
      },
    });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    // a thread that dies leaves the main connection's fallback checkpoint in charge
    this.worker.on('error', (error) => {
      this.lastError = error.message;
      this.endPause();
    });
  }

  get stats(): Readonly<CheckpointStats> & { lastError: string | null } {
    return { ...this.counters, lastError: this.lastError };
  }

  /** Asks the thread to close its connection and end; it does not keep the process alive meanwhile. */
  stop(): void {
    this.stopped = true;
    this.endPause();
    this.worker.postMessage('stop');
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'error') {
      this.lastError = m.message;
      return;
    }
    if (m.type === 'pause') {
      if (this.stopped) return;
      this.options.pause();
      this.pauseTimer = setTimeout(() => this.endPause(), this.options.maxPauseMs ?? 1000);
      this.pauseTimer.unref();
      this.worker.postMessage('paused');
      return;
    }
    this.endPause();
    this.counters.checkpoints++;
    this.counters.frames += m.frames;
    if (m.complete) this.counters.complete++;
    this.counters.longestMs = Math.max(this.counters.longestMs, m.ms);
    this.counters.pausedMs += m.pausedMs;
    this.counters.longestPauseMs = Math.max(this.counters.longestPauseMs, m.pausedMs);
  }

  private endPause(): void {
    if (this.pauseTimer === null) return;
    clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.options.resume();
  }
}
