import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@engine/config';
import { chainStatements, nextPeriod, PayoutStatement, periodEnd, provisionalStatements, RuleSettings } from '@engine/domain';
import { lockRuleState, Queryable } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { DATA_SOURCE, RULE_SETTINGS } from '../../engine.tokens';
import { csvRecord } from '../common/csv';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';
import { PAYOUTS_CSV_HEADER, PayoutStatementDto, PeriodStatementsDto } from './dtos/payout-statement.dto';
import { PayoutRepository } from './payout.repository';

/** Periods from `from` to `to`, both included. */
function periodsFrom(from: string, to: string): string[] {
  const periods: string[] = [];
  for (let p = from; p <= to; p = nextPeriod(p)) periods.push(p);
  return periods;
}

/**
 * Payout statements (CONTRACT §5): stored and final for closed periods, computed (provisional) for open ones, and
 * the period close that freezes them. The arithmetic is the domain's (chainStatements); this class only reads and
 * writes the database around it.
 */
@Injectable()
export class PayoutService {
  private readonly repository = new PayoutRepository();

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(RULE_SETTINGS) private readonly settings: Pick<RuleSettings, 'minimumPayouts'>,
  ) {}

  /** The statements of a period, read in one snapshot. */
  async statements(period: string): Promise<PeriodStatementsDto> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const closedAt = await this.repository.closedAt(manager, period);
      if (closedAt) return this.view(period, closedAt, await this.repository.statements(manager, period));
      const lastClosed = await this.repository.lastClosedBefore(manager, period);
      const previous = await this.repository.latestStatementsBefore(manager, period);
      const nets = await this.repository.openNets(manager, lastClosed, period);
      return this.view(period, null, provisionalStatements(period, previous, nets, this.settings.minimumPayouts));
    });
  }

  /**
   * Closes `period` in one transaction behind the rule-state lock (no batch books into it meanwhile). Refused while
   * the month has not ended by the engine's clock, or while an earlier period with booked entries is open.
   * The open periods between the last closed one and `period` (necessarily without entries) are closed with it,
   * so that periods close in order and a late event is always booked after the last closed period.
   * Closing a closed period returns its stored statements unchanged.
   */
  async close(period: string): Promise<PeriodStatementsDto> {
    return this.dataSource.transaction(async (manager) => {
      await lockRuleState(manager);
      const closedAt = await this.repository.closedAt(manager, period);
      if (closedAt) return this.view(period, closedAt, await this.repository.statements(manager, period));

      const now = this.clock.now();
      if (periodEnd(period) > now) {
        throw new ApiException(
          ApiExceptionCode.PERIOD_NOT_ENDED,
          `period ${period} has not ended: it ends at ${new Date(periodEnd(period)).toISOString()} and the engine's clock reads ${new Date(now).toISOString()}`,
          { period },
        );
      }
      const blocking = await this.repository.openPeriodsWithEntriesBefore(manager, period);
      if (blocking.length > 0) {
        throw new ApiException(
          ApiExceptionCode.EARLIER_PERIOD_OPEN,
          `period ${blocking[0]} has ledger entries and is still open: close ${blocking.length > 1 ? `${blocking.join(', ')} (in order)` : 'it'} first`,
          { period, openPeriods: blocking },
        );
      }
      const toClose = await this.periodsToClose(manager, period);
      const previous = await this.repository.latestStatementsBefore(manager, toClose[0]);
      const nets = await this.repository.netsOf(manager, toClose);
      const chain = chainStatements({ periods: toClose, previous, nets, terms: this.settings.minimumPayouts });
      const closedNow = await this.repository.insertClosedPeriods(manager, toClose);
      await this.repository.insertStatements(manager, toClose.flatMap((p) => chain.get(p)!));
      return this.view(period, closedNow, await this.repository.statements(manager, period));
    });
  }

  /**
   * `period` and the open periods before it, back to the last closed one (or, when none is closed yet, to the
   * earliest period with entries): a contiguous run whose first statements open with the stored ones.
   */
  private async periodsToClose(q: Queryable, period: string): Promise<string[]> {
    const lastClosed = await this.repository.lastClosedBefore(q, period);
    const start = lastClosed !== null ? nextPeriod(lastClosed) : ((await this.repository.earliestKnownPeriod(q)) ?? period);
    return start >= period ? [period] : periodsFrom(start, period);
  }

  private view(period: string, closedAt: Date | null, statements: PayoutStatement[]): PeriodStatementsDto {
    return {
      period,
      closed: closedAt !== null,
      closedAt: closedAt?.toISOString() ?? null,
      statements: statements.map((s) => PayoutStatementDto.of(s, closedAt !== null)),
    };
  }

  static csv(view: PeriodStatementsDto): string {
    let text = `${PAYOUTS_CSV_HEADER}\r\n`;
    for (const s of view.statements) text += csvRecord([s.period, s.partnerId, s.currency, s.opening, s.net, s.closing, s.payable, s.carried, s.closed]);
    return text;
  }
}
