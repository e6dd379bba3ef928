// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { applyFaultChanges, type FaultSettings, type ResolvedSimulatorConfig } from '../sim.config.js';
import { SIM_CONFIG } from '../sim.tokens.js';
import { seededRandom } from './prng.js';

interface Hold {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

/** The live latency and fault settings and the dice that apply them. */
@Injectable()
export class FaultInjector implements OnModuleDestroy {
  private settings: FaultSettings;
  private readonly random: () => number;
  private readonly holds = new Set<Hold>();

  constructor(@Inject(SIM_CONFIG) config: ResolvedSimulatorConfig) {
    this.settings = { ...config.faults };
    this.random = config.seed ? seededRandom(config.seed) : Math.random;
  }

  get current(): FaultSettings {
    return { ...this.settings };
  }

  /** Applies a partial change (throws ConfigError on a bad one) and returns the new settings. */
  update(change: unknown): FaultSettings {
    this.settings = applyFaultChanges(this.settings, change);
    return this.current;
  }

  get down(): boolean {
    return this.settings.down;
  }

  /** True when this payment should be answered 503 without being recorded. */
  rollError(): boolean {
    return this.roll(this.settings.errorRate);
  }

  /** True when this payment's answer should be held back for `timeoutMs`. */
  rollTimeout(): boolean {
    return this.roll(this.settings.timeoutRate);
  }

  /**
   * True when this answer to a payment is to be lost (the host decided and recorded it, nobody hears back):
   * the `dropAnswers` count first (counted down), then the `dropAnswerRate` dice.
   */
  rollDropAnswer(): boolean {
    if (this.settings.dropAnswers > 0) {
      this.settings = { ...this.settings, dropAnswers: this.settings.dropAnswers - 1 };
      return true;
    }
    return this.roll(this.settings.dropAnswerRate);
  }

  /** Waits the configured latency (fixed part plus jitter). */
  async latency(): Promise<void> {
    const { latencyMs, latencyJitterMs } = this.settings;
    const ms = latencyMs + (latencyJitterMs > 0 ? this.random() * latencyJitterMs : 0);
    await this.wait(ms);
  }

  /** Holds an answer back for `timeoutMs` (ends early when the simulator shuts down). */
  async holdAnswer(): Promise<void> {
    await this.wait(this.settings.timeoutMs);
  }

  onModuleDestroy(): void {
    // Let every held answer go, so that closing the server does not wait for them.
    for (const hold of this.holds) {
      clearTimeout(hold.timer);
      hold.resolve();
    }
    this.holds.clear();
  }

  private roll(rate: number): boolean {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    return this.random() < rate;
  }

  private wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const hold: Hold = {
        timer: setTimeout(() => {
          this.holds.delete(hold);
          resolve();
        }, ms),
        resolve,
      };
      this.holds.add(hold);
    });
  }
}
