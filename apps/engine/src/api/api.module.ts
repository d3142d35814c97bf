import { BeforeApplicationShutdown, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '@engine/config';
import { createDataSource } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE, DATA_SOURCE } from '../engine.tokens';
import { ProgramCatalogueService } from '../programs/program-catalogue.service';
import { AdjustmentService } from './adjustments/adjustment.service';
import { AdjustmentsController } from './adjustments/adjustments.controller';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyRegistry } from './auth/api-keys';
import { ExportSlots } from './common/export-slots';
import { DeadLetterService } from './dead-letters/dead-letter.service';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { LedgerExportService } from './ledger/ledger-export.service';
import { LedgerController } from './ledger/ledger.controller';
import { PartnerBalanceService } from './partners/partner-balance.service';
import { PartnerViewService } from './partners/partner-view.service';
import { PartnersController } from './partners/partners.controller';
import { PayoutOrderService } from './payout-orders/payout-order.service';
import { PartnerPayoutOrdersController, PayoutOrdersController } from './payout-orders/payout-orders.controller';
import { PayoutService } from './payouts/payout.service';
import { PayoutsController } from './payouts/payouts.controller';
import { PeriodsController } from './payouts/periods.controller';
import { ProgramsController } from './programs/programs.controller';
import { ProgramsService } from './programs/programs.service';
import { ReferralExplanationService } from './referrals/referral-explanation.service';
import { ReferralViewService } from './referrals/referral-view.service';
import { PartnerReferralsController, ReferralsController } from './referrals/referrals.controller';

/**
 * The API's own connection pool (API_POOL_SIZE connections, `application_name` commission-engine-api), so that
 * requests and exports never take a connection of the ingest's: every statement is bounded by
 * API_STATEMENT_TIMEOUT_MS and every lock wait by API_LOCK_TIMEOUT_MS (a close or an adjustment waits that long at
 * most for the rule-state lock), plus the timeouts of every pool (DATABASE_TIMEOUTS). Opened after the ingest's
 * DataSource, which creates and migrates the database.
 */
async function openApiDataSource(config: AppConfig): Promise<DataSource> {
  const dataSource = createDataSource(config.databaseUrl, {
    size: config.apiPoolSize,
    name: 'commission-engine-api',
    statementTimeoutMs: config.apiStatementTimeoutMs,
    lockTimeoutMs: config.apiLockTimeoutMs,
  });
  return dataSource.initialize();
}

/** Resolves when `work` settles or after `ms`, whichever is first. */
function atMost(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

/**
 * The finance/partner/ops HTTP API (CONTRACT §5, §6, §8, §10; the dead letters of §2) under /v1, on its own pool
 * (API_DATA_SOURCE). It uses the engine's providers (configuration, clock, program, outbox relay), which AppModule
 * makes global.
 */
@Module({
  controllers: [
    LedgerController, PayoutsController, PeriodsController, AdjustmentsController, ReferralsController, PartnerReferralsController, PartnersController, ProgramsController,
    PayoutOrdersController, PartnerPayoutOrdersController, DeadLettersController,
  ],
  providers: [
    {
      provide: ApiKeyRegistry,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const keys = ApiKeyRegistry.parse(config.apiKeys);
        if (keys.size === 0) new Logger('Api').warn('API_KEYS is empty: every /v1 request will be refused (401)');
        return keys;
      },
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    // DATA_SOURCE first: opening it creates and migrates the database
    { provide: API_DATA_SOURCE, inject: [APP_CONFIG, DATA_SOURCE], useFactory: (config: AppConfig) => openApiDataSource(config) },
    {
      provide: ExportSlots,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new ExportSlots({ limit: config.exportConcurrency, timeoutMs: config.exportTimeoutMs }),
    },
    {
      provide: LedgerExportService,
      inject: [API_DATA_SOURCE, APP_CONFIG],
      // the COPY runs as long as its client reads: bounded by the export's timeout, not the API's statement timeout
      useFactory: (dataSource: DataSource, config: AppConfig) => new LedgerExportService(dataSource, { statementTimeoutMs: config.exportTimeoutMs }),
    },
    PayoutService,
    AdjustmentService,
    ReferralViewService,
    ReferralExplanationService,
    PartnerViewService,
    PartnerBalanceService,
    PayoutOrderService,
    DeadLetterService,
    { provide: ProgramCatalogueService, inject: [API_DATA_SOURCE], useFactory: (dataSource: DataSource) => new ProgramCatalogueService(dataSource) },
    ProgramsService,
  ],
})
export class ApiModule implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly exportSlots: ExportSlots,
  ) {}

  /** Exports in flight are cut (their clients see a truncated body), or the HTTP server could not close before they end. */
  beforeApplicationShutdown(): void {
    const cut = this.exportSlots.cutAll();
    if (cut > 0) new Logger('Api').warn(`stopping: ${cut} export(s) in flight cut`);
  }

  /** The API's pool, once the HTTP server is closed (a connection that never answers is left to the process's exit). */
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await atMost(2_000, this.dataSource.destroy());
  }
}
