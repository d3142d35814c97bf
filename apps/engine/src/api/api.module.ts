import { Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '@engine/config';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../engine.tokens';
import { ProgramCatalogueService } from '../programs/program-catalogue.service';
import { AdjustmentService } from './adjustments/adjustment.service';
import { AdjustmentsController } from './adjustments/adjustments.controller';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyRegistry } from './auth/api-keys';
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
 * The finance/partner/ops HTTP API (CONTRACT §5, §6, §8, §10; the dead letters of §2) under /v1. It uses the engine's providers (configuration,
 * DataSource, clock, program, outbox relay), which AppModule makes global.
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
    LedgerExportService,
    PayoutService,
    AdjustmentService,
    ReferralViewService,
    ReferralExplanationService,
    PartnerViewService,
    PartnerBalanceService,
    PayoutOrderService,
    DeadLetterService,
    { provide: ProgramCatalogueService, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new ProgramCatalogueService(dataSource) },
    ProgramsService,
  ],
})
export class ApiModule {}
