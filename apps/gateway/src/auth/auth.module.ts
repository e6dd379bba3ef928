// SPDX-License-Identifier: Apache-2.0
import { Module, type DynamicModule } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SECRET_STORE, type SecretStore } from '#application';
import { PassportModule } from '@nestjs/passport';
import { clientsConfig } from '../config/namespaces.js';
import { CLIENT_REGISTRY } from '../gateway.tokens.js';
import { ClientRegistry } from './client-registry.js';
import { JwtAuthGuard, ScopesGuard } from './auth.guards.js';
import { JwtStrategy } from './jwt.strategy.js';
import { SigningKeysService } from './signing-keys.service.js';
import { TokenController } from './token.controller.js';

@Module({})
export class AuthModule {
  static forRoot(): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule],
      controllers: [TokenController],
      providers: [
        {
          // Client secrets named in the secret store must be there at start; a rotation is picked up later.
          provide: CLIENT_REGISTRY,
          inject: [SECRET_STORE, clientsConfig.KEY],
          useFactory: async (store: SecretStore, clients: ConfigType<typeof clientsConfig>) => {
            const registry = new ClientRegistry(clients.clients);
            registry.useSecretStore(store);
            for (const name of registry.secretNames) {
              if ((await store.get(name)) === null) throw new Error(`a client's secret "${name}" is not in the secret store`);
            }
            return registry;
          },
        },
        SigningKeysService,
        JwtStrategy,
        JwtAuthGuard,
        ScopesGuard,
      ],
      exports: [JwtAuthGuard, ScopesGuard, SigningKeysService],
    };
  }
}
