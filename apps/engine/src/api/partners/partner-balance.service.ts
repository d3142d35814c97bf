import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@engine/config';
import { Currency, isoTimestamp, partnerBalance } from '@engine/domain';
import { PayoutOrderRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE } from '../../engine.tokens';
import { CurrencyBalanceDto, PartnerBalanceDto } from './dtos/partner-balance.dto';
import { PartnerBalanceRepository } from './partner-balance.repository';

/**
 * A partner's balance per currency at the engine clock (CONTRACT §10): earned, held, pending and paid orders, and
 * what is available (partnerBalance in @engine/domain), read in one snapshot so the ledger and the orders agree.
 */
@Injectable()
export class PartnerBalanceService {
  private readonly repository = new PartnerBalanceRepository();
  private readonly orders = new PayoutOrderRepository();

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async balance(partnerId: string): Promise<PartnerBalanceDto> {
    const at = this.clock.now();
    const { sums, orders } = await this.dataSource.transaction('REPEATABLE READ', async (manager) => ({
      sums: await this.repository.ledgerSums(manager, partnerId, at),
      orders: await this.orders.list(manager, { partnerId }),
    }));
    const currencies = [...new Set<Currency>([...sums.map((s) => s.currency), ...orders.map((o) => o.currency)])].sort();
    const balances = currencies.map((currency) => {
      const sum = sums.find((s) => s.currency === currency);
      return CurrencyBalanceDto.of(partnerBalance(currency, sum?.earned ?? 0n, sum?.held ?? 0n, orders.filter((o) => o.currency === currency)));
    });
    return { partnerId, at: isoTimestamp(at), balances };
  }
}
