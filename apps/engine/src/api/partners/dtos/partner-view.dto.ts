import { ApiProperty } from '@nestjs/swagger';
import { PartnerState } from '@engine/domain';

const STATES: readonly PartnerState[] = ['UNKNOWN', 'APPROVED', 'SUSPENDED', 'TERMINATED'];
const EVENT_TYPES = ['partner.approved', 'partner.group_changed', 'partner.suspended', 'partner.reinstated', 'partner.terminated'];

export class PartnerStandingChangeDto {
  @ApiProperty({ format: 'date-time', description: 'the event time' }) time: string;
  @ApiProperty({ enum: EVENT_TYPES }) type: string;
  @ApiProperty({ enum: STATES, description: 'the state from this event on' }) state: string;
  @ApiProperty({ example: 'gold', description: 'the group from this event on' }) group: string;
  @ApiProperty({ nullable: true, type: String, description: 'the reason the event gave (suspended, reinstated, terminated)' }) reason: string | null;
  @ApiProperty({ example: 'partner-admin' }) source: string;
  @ApiProperty() eventId: string;
}

export class IgnoredPartnerEventDto {
  @ApiProperty({ example: 'partner-admin' }) source: string;
  @ApiProperty() eventId: string;
  @ApiProperty({ enum: EVENT_TYPES }) type: string;
  @ApiProperty({ format: 'date-time' }) time: string;
  @ApiProperty({ description: 'why it was ignored' }) detail: string;
}

export class PartnerViewDto {
  @ApiProperty({ example: 'P-001' }) partnerId: string;
  @ApiProperty({ enum: STATES, description: 'at the engine clock' }) state: string;
  @ApiProperty({ example: 'default', description: 'at the engine clock' }) group: string;
  @ApiProperty({ description: 'whether a submission now would pass rule 0 (APPROVED, or UNKNOWN under open enrollment)' }) eligible: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'time of the event that set the current standing' }) since: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) terminatedAt: string | null;
  @ApiProperty({ enum: ['open', 'approval'], description: 'PARTNER_ENROLLMENT' }) enrollment: string;
  @ApiProperty({ type: PartnerStandingChangeDto, isArray: true, description: 'the standing after each counted event, in event order' })
  history: PartnerStandingChangeDto[];
  @ApiProperty({ type: IgnoredPartnerEventDto, isArray: true, description: 'events after termination, not counted' })
  ignored: IgnoredPartnerEventDto[];
}
