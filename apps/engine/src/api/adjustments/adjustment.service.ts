import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@engine/config';
import { payloadHash } from '@engine/contracts';
import { Currency, formatAmount } from '@engine/domain';
import { LedgerRepository, lockRuleState, NewLedgerEntry, OutboxRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE } from '../../engine.tokens';
import { accruedMessage } from '../../ingest/output-events';
import { OutboxRelay } from '../../outbox/outbox-relay';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';
import { AdjustmentDto } from './dtos/adjustment.dto';
import { CreateAdjustmentDto } from './dtos/create-adjustment.dto';
import { AdjustmentRepository, AdjustmentRow } from './adjustment.repository';
import { parseSignedAmount } from './signed-amount';

export interface AdjustmentResult {
  /** false when the key was seen before with the same body (the stored entry is returned) */
  created: boolean;
  adjustment: AdjustmentDto;
}

function toDto(row: AdjustmentRow): AdjustmentDto {
  return {
    entryId: row.entry_id, bookedPeriod: row.booked_period, effectivePeriod: row.effective_period, partnerId: row.partner_id,
    referralId: row.referral_id, customerId: row.customer_id, type: row.type, amount: formatAmount(BigInt(row.amount), row.currency as Currency),
    currency: row.currency, sourceEventId: row.source_event_id, effectiveAt: row.effective_at.toISOString(), createdAt: row.created_at.toISOString(),
    programId: row.program_id, programVersion: row.program_version, releaseAt: row.release_at.toISOString(),
    idempotencyKey: row.idempotency_key, reason: row.reason,
  };
}

/**
 * MANUAL_ADJUSTMENT entries posted by finance (CONTRACT §4, §6). One transaction behind the rule-state lock:
 * the idempotency record, the ledger entry (booked into the earliest open period) and its commission.accrued
 * outbox row commit together, so a replay can never post twice and the event is published only once committed.
 */
@Injectable()
export class AdjustmentService {
  private readonly requests = new AdjustmentRepository();
  private readonly ledger = new LedgerRepository();
  private readonly outbox = new OutboxRepository();

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly relay: OutboxRelay,
  ) {}

  async create(idempotencyKey: string, body: CreateAdjustmentDto): Promise<AdjustmentResult> {
    const currency = body.currency as Currency;
    const parsed = parseSignedAmount(body.amount, currency);
    if (!parsed.ok) throw ApiException.invalid('amount', `amount is invalid (${parsed.error})`); // the DTO already checked it
    const referralId = body.referralId ?? null;
    // The request as a value: same key and the same value → the same entry. Amounts compare as numbers ("5" = "5.00").
    const requestHash = payloadHash({ partnerId: body.partnerId, referralId, amount: formatAmount(parsed.minor, currency), currency, reason: body.reason });

    const result = await this.dataSource.transaction(async (manager) => {
      await lockRuleState(manager);
      const seen = await this.requests.findRequest(manager, idempotencyKey);
      if (seen) {
        if (seen.requestHash !== requestHash) {
          throw new ApiException(ApiExceptionCode.IDEMPOTENCY_KEY_REUSED, 'Idempotency-Key was already used with a different request body', {
            entryId: seen.entryId,
          });
        }
        return { created: false, row: (await this.requests.load(manager, seen.entryId))! };
      }
      let customerId: string | null = null;
      let program: { programId: string; programVersion: number } | null = null;
      if (referralId !== null) {
        const referral = await this.requests.referral(manager, referralId);
        if (!referral) throw ApiException.invalid('referralId', `referralId ${referralId} is not a known referral`);
        if (referral.partnerId !== body.partnerId) throw ApiException.invalid('referralId', `referralId ${referralId} belongs to another partner than partnerId`);
        customerId = referral.customerId;
        program = { programId: referral.programId, programVersion: referral.programVersion };
      }
      const effectiveAt = this.clock.now();
      const entry: NewLedgerEntry = {
        partnerId: body.partnerId,
        // a partner-level adjustment has no referral (ledger_entry.referral_id is nullable; the engine's type predates it)
        referralId,
        customerId,
        type: 'MANUAL_ADJUSTMENT',
        slot: null,
        currency,
        effectiveAt,
        amount: parsed.minor,
        sourceEventId: `adjustment:${idempotencyKey}`,
        programId: program?.programId ?? null,
        programVersion: program?.programVersion ?? null,
        releaseAt: effectiveAt, // adjustments are never held (CONTRACT §10)
      };
      const [posted] = await this.ledger.append(manager, [entry], await this.ledger.closedPeriods(manager));
      await this.requests.insertRequest(manager, idempotencyKey, requestHash, posted.entryId, body.reason);
      await this.outbox.add(manager, [accruedMessage(posted, this.config.topics)]);
      return { created: true, row: (await this.requests.load(manager, posted.entryId))! };
    });
    if (result.created) this.relay.kick();
    return { created: result.created, adjustment: toDto(result.row) };
  }
}
