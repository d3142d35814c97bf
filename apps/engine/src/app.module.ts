import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@engine/config';
import { RuleSettings } from '@engine/domain';
import { Logger as PinoLogger } from 'pino';
import { ruleSettingsOf } from './rule-settings';
import { ApiModule } from './api/api.module';
import { EngineModule } from './engine.module';
import { createRootLogger, loggerModule } from './observability/logging';

/**
 * The engine process: Kafka workers and background loops (EngineModule), the HTTP API (ApiModule), and Nest's logger
 * over the process's root logger (nestjs-pino).
 */
@Module({})
export class AppModule {
  static register(config: AppConfig, settings: RuleSettings = ruleSettingsOf(config), root: PinoLogger = createRootLogger(config)): DynamicModule {
    // global: the API injects the engine's exported providers (DataSource, clock, rule settings, outbox relay, config).
    const engine: DynamicModule = { ...EngineModule.register(config, settings), global: true };
    return { module: AppModule, imports: [loggerModule(root), engine, ApiModule] };
  }
}
