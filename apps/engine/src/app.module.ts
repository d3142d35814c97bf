import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@engine/config';
import { Program, STANDARD_PROGRAM } from '@engine/domain';
import { ApiModule } from './api/api.module';
import { EngineModule } from './engine.module';

/** The engine process: Kafka workers and background loops (EngineModule) and the HTTP API (ApiModule). */
@Module({})
export class AppModule {
  static register(config: AppConfig, program: Program = STANDARD_PROGRAM): DynamicModule {
    // global: the API injects the engine's exported providers (DataSource, clock, program, outbox relay, config).
    const engine: DynamicModule = { ...EngineModule.register(config, program), global: true };
    return { module: AppModule, imports: [engine, ApiModule] };
  }
}
