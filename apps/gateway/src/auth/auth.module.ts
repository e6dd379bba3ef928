import { Module, type DynamicModule } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { CLIENT_REGISTRY } from '../gateway.tokens.js';
import { ClientRegistry } from './client-registry.js';
import { JwtAuthGuard, ScopesGuard } from './auth.guards.js';
import { JwtStrategy } from './jwt.strategy.js';
import { SigningKeysService } from './signing-keys.service.js';
import { TokenController } from './token.controller.js';

@Module({})
export class AuthModule {
  static forRoot(registry: ClientRegistry): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule],
      controllers: [TokenController],
      providers: [
        { provide: CLIENT_REGISTRY, useValue: registry },
        SigningKeysService,
        JwtStrategy,
        JwtAuthGuard,
        ScopesGuard,
      ],
      exports: [JwtAuthGuard, ScopesGuard, SigningKeysService],
    };
  }
}
