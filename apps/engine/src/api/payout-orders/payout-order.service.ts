import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@engine/config';
import { payloadHash } from '@engine/contracts';
import { decidePayout, PayoutOutcome, PayoutOutcomeEvent, PayoutStatus } from '@engine/domain';
import { AnomalyRepository, EventStoreRepository, lockRuleState, OutboxRepository, PayoutOrderRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE } from '../../engine.tokens';
import { OutboxRelay } from '../../outbox/outbox-relay';
import { PayoutSettlement } from '../../payouts/payout-settlement';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';
import { PayoutOrderDto, PayoutOrdersDto } from './dtos/payout-order.dto';

/** The source of the outcomes finance records through the API, as input events (CONTRACT §10). */
export const API_OUTCOME_SOURCE = 'commission-engine/api';

/** An outcome finance reports: PAID with an optional payment reference, or FAILED with a reason. */
export type RequestedOutcome = { status: 'PAID'; reference: string | null } | { status: 'FAILED'; reason: string };

/** What a request does to an order in the state its stored outcomes decide. */
export type OutcomeAction = 'record' | 'repeat' | 'conflict';

/**
 * A request for the outcome the order already has is a repeat (nothing is written); for the other outcome, a conflict
 * (the earliest outcome stays), unless the request itself is earlier than the outcome that decided the order (its time
 * is the engine clock; a payment event may be dated after it): then it is recorded and takes over, like a late earlier
 * event. On a PENDING order it is recorded.
 */
export function outcomeAction(current: PayoutStatus, requested: RequestedOutcome['status'], requestIsEarliest: boolean): OutcomeAction {
  if (current === 'PENDING') return 'record';
  if (current === requested) return 'repeat';
  return requestIsEarliest ? 'record' : 'conflict';
}

/** The stable id of finance's outcome of a payout: one per payout and outcome, so a retried call can never record twice. */
export const apiOutcomeId = (payoutId: string, status: RequestedOutcome['status']): string => `api:${payoutId}:${status === 'PAID' ? 'paid' : 'failed'}`;

/**
 * Payout orders (CONTRACT §10): listing them, and finance's outcomes. An outcome recorded here is an input event like
 * the payment system's (source `commission-engine/api`, time = the engine clock), stored in the event store and
 * settled by the same PayoutSettlement as the ingest, so the earliest outcome wins whichever way it came.
 */
@Injectable()
export class PayoutOrderService {
  private readonly orders = new PayoutOrderRepository();
  private readonly events = new EventStoreRepository();
  private readonly anomalies = new AnomalyRepository();
  private readonly outbox = new OutboxRepository();
  private readonly settlement: PayoutSettlement;

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'topics'>,
    @Inject(OutboxRelay) private readonly relay: Pick<OutboxRelay, 'kick'>,
  ) {
    this.settlement = new PayoutSettlement(config.topics);
  }

  /** Orders in payoutId order (byte order), read in one snapshot. */
  async list(filter: { period?: string; status?: PayoutStatus; partnerId?: string }): Promise<PayoutOrdersDto> {
    const orders = await this.orders.list(this.dataSource, filter);
    return { payoutOrders: orders.map(PayoutOrderDto.of) };
  }

  /**
   * Records finance's outcome of a payout, in one transaction behind the rule-state lock (no batch settles the order
   * meanwhile). Unknown order → 404. The order's current status comes from its stored outcomes (the earliest wins): the
   * same outcome again → the order as it is, nothing written; the other outcome → 409 PAYOUT_OUTCOME_CONFLICT and an
   * anomaly, committed; PENDING → the outcome is stored as an input event and the order settled (status, status event,
   * a failed payout's return in the ledger), its messages added to the outbox, which is kicked after the commit.
   */
  async record(payoutId: string, requested: RequestedOutcome): Promise<PayoutOrderDto> {
    const id = apiOutcomeId(payoutId, requested.status);
    const result = await this.dataSource.transaction(async (manager) => {
      await lockRuleState(manager);
      const [order] = await this.orders.load(manager, [payoutId]);
      if (!order) throw new ApiException(ApiExceptionCode.NOT_FOUND, `no payout order ${payoutId}`, { payoutId });
      const now = this.clock.now();
      const stored = (await this.orders.outcomes(manager, [payoutId])).get(payoutId) ?? [];
      const decision = decidePayout(order, stored);
      const request: PayoutOutcome = {
        status: requested.status, source: API_OUTCOME_SOURCE, id, time: now,
        reference: requested.status === 'PAID' ? requested.reference : null, reason: requested.status === 'FAILED' ? requested.reason : null,
      };
      const withRequest = decidePayout(order, [...stored, request]).outcome;
      const action = outcomeAction(decision.status, requested.status, withRequest?.source === request.source && withRequest.id === request.id);
      if (action === 'repeat') return { action, order };
      if (action === 'conflict') {
        const by = decision.outcome ? ` (${decision.outcome.source} ${decision.outcome.id})` : '';
        await this.anomalies.record(manager, [{
          code: 'PAYOUT_OUTCOME_CONFLICT', source: API_OUTCOME_SOURCE, eventId: id, customerId: null, referralId: null,
          detail: `payout ${payoutId} was already ${decision.status}${by}; ${requested.status} through the API refused`,
        }]);
        return { action, order: { ...order, status: decision.status } };
      }
      const event: PayoutOutcomeEvent = requested.status === 'PAID'
        ? { source: API_OUTCOME_SOURCE, id, time: now, type: 'payout.paid', payoutId, reference: requested.reference }
        : { source: API_OUTCOME_SOURCE, id, time: now, type: 'payout.failed', payoutId, reason: requested.reason };
      const body = requested.status === 'PAID' ? { reference: requested.reference } : { reason: requested.reason };
      await this.events.insertNew(manager, [{ event, hash: payloadHash(body), origin: { topic: 'api', partition: -1, offset: '-1' } }]);
      await this.outbox.add(manager, await this.settlement.settle(manager, [payoutId], now));
      const [settled] = await this.orders.load(manager, [payoutId]);
      return { action, order: settled };
    });
    if (result.action === 'record') this.relay.kick();
    if (result.action === 'conflict') {
      throw new ApiException(
        ApiExceptionCode.PAYOUT_OUTCOME_CONFLICT,
        `payout ${payoutId} is already ${result.order.status}: its first outcome stands (the ${requested.status} is listed as an anomaly)`,
        { payoutId, status: result.order.status },
      );
    }
    return PayoutOrderDto.of(result.order);
  }
}
