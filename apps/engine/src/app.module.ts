import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@engine/config';
import { EngineModule } from './engine.module';

/** The engine process: Kafka workers and background loops (EngineModule) and the HTTP API. */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    const engine = EngineModule.register(config);
    return { module: AppModule, imports: [engine] };
  }
}
