// SPDX-License-Identifier: Apache-2.0
import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Tracing } from './tracing.js';

/** Provides the process's Tracing (OFF unless OTEL_EXPORTER_OTLP_ENDPOINT is set) and flushes it at shutdown. */
@Global()
@Module({})
export class TracingModule implements OnApplicationShutdown {
  constructor(@Inject(Tracing) private readonly tracing: Tracing) {}

  static forRoot(tracing: Tracing): DynamicModule {
    return { module: TracingModule, global: true, providers: [{ provide: Tracing, useValue: tracing }], exports: [Tracing] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown();
  }
}
