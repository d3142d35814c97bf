import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@engine/config';
import {
  BookedNet, chainStatements, CloseRefusal, isPartnerEvent, partnerKey, partnerTimelines, PayoutStatement, payoutOrdersOf, periodEnd, planClose,
  provisionalStatements, RuleSettings, standingAt, StatementChain,
} from '@engine/domain';
import { EventStoreRepository, lockRuleState, OutboxRepository, PayoutOrderRepository, Queryable } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE, RULE_SETTINGS } from '../../engine.tokens';
import { OutboxRelay } from '../../outbox/outbox-relay';
import { PayoutSettlement } from '../../payouts/payout-settlement';
import { csvRecord, csvText } from '../common/csv';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';
import { PAYOUTS_CSV_HEADER, PayoutStatementDto, PeriodStatementsDto } from './dtos/payout-statement.dto';
import { PayoutRepository } from './payout.repository';

/**
 * Payout statements (CONTRACT §5): stored and final for closed periods, computed (provisional) for open ones, and
 * the period close that freezes them. The arithmetic is the domain's (chainStatements); this class only reads and
 * writes the database around it.
 */
@Injectable()
export class PayoutService {
  private readonly repository = new PayoutRepository();
  private readonly events = new EventStoreRepository();
  private readonly orders = new PayoutOrderRepository();
  private readonly outbox = new OutboxRepository();
  private readonly settlement: PayoutSettlement;

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(RULE_SETTINGS) private readonly settings: Pick<RuleSettings, 'minimumPayouts'>,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'topics'>,
    @Inject(OutboxRelay) private readonly relay: Pick<OutboxRelay, 'kick'>,
  ) {
    this.settlement = new PayoutSettlement(config.topics);
  }

  /** The statements of a period, read in one snapshot. */
  async statements(period: string): Promise<PeriodStatementsDto> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const closedAt = await this.repository.closedAt(manager, period);
      if (closedAt) return this.view(period, closedAt, await this.repository.statements(manager, period));
      const lastClosed = await this.repository.lastClosedBefore(manager, period);
      const previous = await this.repository.latestStatementsBefore(manager, period);
      const nets = await this.repository.openNets(manager, lastClosed, period);
      const periods = [...new Set([...nets.map((n) => n.period), period])];
      return this.view(period, null, provisionalStatements(period, previous, nets, this.settings.minimumPayouts, await this.holding(manager, periods, previous, nets)));
    });
  }

  /**
   * Closes `period` in one transaction behind the rule-state lock (no batch books into it meanwhile), as planClose
   * decides: refused while a later period is closed (periods close in order), while the month has not ended by the
   * engine's clock, or while an earlier period with booked entries is open. The open periods between the last closed
   * one and `period` (necessarily without entries) are closed with it, so that a late event is always booked after
   * the last closed period. Closing a closed period returns its stored statements unchanged.
   */
  async close(period: string): Promise<PeriodStatementsDto> {
    const view = await this.dataSource.transaction(async (manager) => {
      await lockRuleState(manager);
      const closedAt = await this.repository.closedAt(manager, period);
      if (closedAt) return this.view(period, closedAt, await this.repository.statements(manager, period));

      const now = this.clock.now();
      const plan = planClose(period, {
        now,
        closed: new Set(await this.repository.closedPeriods(manager)),
        openWithEntriesBefore: await this.repository.openPeriodsWithEntriesBefore(manager, period),
        earliestWithEntries: await this.repository.earliestKnownPeriod(manager),
      });
      if (plan.outcome === 'refused') throw PayoutService.refusal(period, plan, now);
      if (plan.outcome === 'closed') throw new Error(`period ${period} is listed as closed but has no closing time`); // read above, under the same lock

      const toClose = plan.periods;
      const previous = await this.repository.latestStatementsBefore(manager, toClose[0]);
      const nets = await this.repository.netsOf(manager, toClose);
      const holding = await this.holding(manager, toClose, previous, nets);
      const chain = chainStatements({ periods: toClose, previous, nets, terms: this.settings.minimumPayouts, ...holding });
      const closedNow = await this.repository.insertClosedPeriods(manager, toClose);
      const statements = toClose.flatMap((p) => chain.get(p)!);
      await this.repository.insertStatements(manager, statements);
      // One payout order per paid statement, in the same transaction (CONTRACT §10); outcomes that came first apply now.
      const orders = payoutOrdersOf(statements);
      await this.orders.insert(manager, orders, now);
      await this.outbox.add(manager, await this.settlement.settle(manager, orders.map((o) => o.payoutId), now));
      return this.view(period, closedNow, await this.repository.statements(manager, period));
    });
    this.relay.kick();
    return view;
  }

  /** The 409 of a refused close, with the reason in words and the periods it names. */
  private static refusal(period: string, refusal: CloseRefusal, now: number): ApiException {
    switch (refusal.reason) {
      case 'PERIOD_BEFORE_CLOSED':
        return new ApiException(
          ApiExceptionCode.PERIOD_BEFORE_CLOSED,
          `period ${period} comes before ${refusal.closedPeriod}, which is already closed: periods close in order, and an entry of ${period} is booked into the first open period after ${refusal.closedPeriod}`,
          { period, closedPeriod: refusal.closedPeriod },
        );
      case 'PERIOD_NOT_ENDED':
        return new ApiException(
          ApiExceptionCode.PERIOD_NOT_ENDED,
          `period ${period} has not ended: it ends at ${new Date(periodEnd(period)).toISOString()} and the engine's clock reads ${new Date(now).toISOString()}`,
          { period },
        );
      case 'EARLIER_PERIOD_OPEN': {
        const blocking = refusal.openPeriods;
        return new ApiException(
          ApiExceptionCode.EARLIER_PERIOD_OPEN,
          `period ${blocking[0]} has ledger entries and is still open: close ${blocking.length > 1 ? `${blocking.join(', ')} (in order)` : 'it'} first`,
          { period, openPeriods: blocking },
        );
      }
    }
  }

  /**
   * What holds payment at each period's end (CONTRACT §9, §10): the held amounts, and whether each partner with a
   * statement is SUSPENDED then (from its partner events).
   */
  private async holding(
    q: Queryable, periods: string[], previous: readonly PayoutStatement[], nets: readonly BookedNet[],
  ): Promise<Pick<StatementChain, 'held' | 'suspendedAtEnd'>> {
    const partnerIds = new Set([...previous.map((s) => s.partnerId), ...nets.map((n) => n.partnerId)]);
    const partnerEvents = (await this.events.loadLinked(q, [...partnerIds].map(partnerKey))).filter(isPartnerEvent);
    const timelines = partnerTimelines(partnerEvents, []);
    return {
      held: await this.repository.heldAtEnd(q, periods),
      suspendedAtEnd: (partnerId, p) => standingAt(timelines.get(partnerId), periodEnd(p)).state === 'SUSPENDED',
    };
  }

  private view(period: string, closedAt: Date | null, statements: PayoutStatement[]): PeriodStatementsDto {
    return {
      period,
      closed: closedAt !== null,
      closedAt: closedAt?.toISOString() ?? null,
      statements: statements.map((s) => PayoutStatementDto.of(s, closedAt !== null)),
    };
  }

  /** The payouts CSV: the partner id is neutralised against spreadsheet formulas (csvText), the amounts are not. */
  static csv(view: PeriodStatementsDto): string {
    let text = `${PAYOUTS_CSV_HEADER}\r\n`;
    for (const s of view.statements) text += csvRecord([s.period, csvText(s.partnerId), s.currency, s.opening, s.net, s.closing, s.payable, s.carried, s.closed, s.held, s.available]);
    return text;
  }
}
