import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@engine/config';
import { RuleSettings } from '@engine/domain';
import { ruleSettingsOf } from './rule-settings';
import { ApiModule } from './api/api.module';
import { EngineModule } from './engine.module';

/** The engine process: Kafka workers and background loops (EngineModule) and the HTTP API (ApiModule). */
@Module({})
export class AppModule {
  static register(config: AppConfig, settings: RuleSettings = ruleSettingsOf(config)): DynamicModule {
    // global: the API injects the engine's exported providers (DataSource, clock, rule settings, outbox relay, config).
    const engine: DynamicModule = { ...EngineModule.register(config, settings), global: true };
    return { module: AppModule, imports: [engine, ApiModule] };
  }
}
