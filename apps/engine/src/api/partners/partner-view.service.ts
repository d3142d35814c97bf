import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@engine/config';
import { Anomaly, eventKey, isEligible, isoTimestamp, isPartnerEvent, partnerKey, partnerTimelines, RuleSettings, standingAt } from '@engine/domain';
import { EventStoreRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE, RULE_SETTINGS } from '../../engine.tokens';
import { PartnerViewDto } from './dtos/partner-view.dto';

/** A partner's standing (CONTRACT §9) at the engine clock and over time, from its stored partner events. */
@Injectable()
export class PartnerViewService {
  private readonly store = new EventStoreRepository();

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(RULE_SETTINGS) private readonly settings: RuleSettings,
    private readonly clock: Clock,
  ) {}

  /** A partner without any event is UNKNOWN in group default, with an empty history (not a 404). */
  async partner(partnerId: string): Promise<PartnerViewDto> {
    const events = (await this.store.loadLinked(this.dataSource, [partnerKey(partnerId)])).filter(isPartnerEvent);
    const anomalies: Anomaly[] = [];
    const timeline = partnerTimelines(events, anomalies).get(partnerId);
    const standing = standingAt(timeline, this.clock.now());
    const byKey = new Map(events.map((e) => [eventKey(e), e]));
    return {
      partnerId,
      state: standing.state,
      group: standing.group,
      eligible: isEligible(standing, this.settings.partnerEnrollment),
      since: standing.since ? isoTimestamp(standing.since.time) : null,
      terminatedAt: timeline?.terminatedAt != null ? isoTimestamp(timeline.terminatedAt) : null,
      enrollment: this.settings.partnerEnrollment,
      history: (timeline?.standings ?? []).map(({ state, group, since }) => ({
        time: isoTimestamp(since!.time), type: since!.type, state, group, reason: 'reason' in since! ? since.reason : null, source: since!.source, eventId: since!.id,
      })),
      ignored: anomalies
        .filter((a) => a.code === 'PARTNER_TERMINATED')
        .map((a) => {
          const event = byKey.get(eventKey({ source: a.source, id: a.eventId }))!;
          return { source: a.source, eventId: a.eventId, type: event.type, time: isoTimestamp(event.time), detail: a.detail };
        }),
    };
  }
}
