// SPDX-License-Identifier: Apache-2.0
import { Module, type DynamicModule } from '@nestjs/common';
import type { Iso20022Codec } from '#iso20022';
import { AdminController } from './admin/admin.controller.js';
import { FaultInjector } from './faults/fault-injector.js';
import { PaymentLedger } from './payments/payment-ledger.js';
import { HostMessageService } from './host/host-message.service.js';
import {
  CancellationsController,
  PaymentsController,
  ReturnsController,
  StatusRequestsController,
} from './payments/payments.controller.js';
import type { ResolvedSimulatorConfig } from './sim.config.js';
import { SIM_CODEC, SIM_CONFIG } from './sim.tokens.js';

@Module({})
export class SimulatorModule {
  static forRoot(config: ResolvedSimulatorConfig, codec: Iso20022Codec): DynamicModule {
    return {
      module: SimulatorModule,
      controllers: [PaymentsController, CancellationsController, ReturnsController, StatusRequestsController, AdminController],
      providers: [
        { provide: SIM_CONFIG, useValue: config },
        { provide: SIM_CODEC, useValue: codec },
        FaultInjector,
        PaymentLedger,
        HostMessageService,
      ],
    };
  }
}
