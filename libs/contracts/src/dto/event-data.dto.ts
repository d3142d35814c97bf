import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';

const ID_MAX = 200;
const GROUP_MAX = 64;
const DOMAIN = /^[^\s@/]+$/;

/** data of `referral.submitted` */
export class ProspectDto {
  @IsString() @IsNotEmpty() @MaxLength(500)
  companyName: string;

  @IsString() @IsNotEmpty() @MaxLength(253) @Matches(DOMAIN, { message: '$property must be a domain name' })
  emailDomain: string;

  @IsOptional() @IsString() @MaxLength(320)
  contactEmail?: string;

  @IsOptional() @IsString() @MaxLength(64)
  region?: string | null;
}

export class ReferralSubmittedDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  referralId: string;

  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  partnerId: string;

  @IsString() @IsNotEmpty() @MaxLength(253) @Matches(DOMAIN, { message: '$property must be a domain name' })
  partnerDomain: string;

  // IsObject: ValidateNested alone accepts an array (it validates each element), and [] has no emailDomain
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ProspectDto)
  prospect: ProspectDto;

  @IsOptional() @IsString() @MaxLength(2000)
  useCase?: string;

  @IsString() @IsNotEmpty() @MaxLength(100)
  channel: string;
}

/** data of `customer.signed_up` */
export class CustomerSignedUpDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  customerId: string;

  @IsOptional() @IsString() @MaxLength(500)
  companyName?: string;

  @IsString() @IsNotEmpty() @MaxLength(253) @Matches(DOMAIN, { message: '$property must be a domain name' })
  emailDomain: string;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  referralCode?: string | null;

  @IsBoolean()
  priorAccount: boolean;
}

/** data of `customer.activated` */
export class CustomerActivatedDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  customerId: string;
}

/** data of `billing.usage_billed` */
export class UsageBilledDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  customerId: string;

  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  invoiceLineId: string;

  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  productCode: string;

  @IsString() @IsNotEmpty() @MaxLength(64)
  amount: string;

  @IsString() @IsNotEmpty() @MaxLength(16)
  currency: string;

  @IsOptional() @IsString() @MaxLength(64)
  periodStart?: string;

  @IsOptional() @IsString() @MaxLength(64)
  periodEnd?: string;
}

/** data of `billing.refunded` */
export class RefundedDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  customerId: string;

  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  refundId: string;

  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  invoiceLineId: string;

  @IsString() @IsNotEmpty() @MaxLength(64)
  amount: string;

  @IsString() @IsNotEmpty() @MaxLength(16)
  currency: string;
}

/** data of `partner.approved` */
export class PartnerApprovedDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  partnerId: string;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(GROUP_MAX)
  group?: string | null;
}

/** data of `partner.group_changed` */
export class PartnerGroupChangedDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  partnerId: string;

  @IsString() @IsNotEmpty() @MaxLength(GROUP_MAX)
  group: string;
}

/** data of `partner.suspended`, `partner.reinstated` and `partner.terminated` */
export class PartnerStandingChangedDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  partnerId: string;

  @IsOptional() @IsString() @MaxLength(1000)
  reason?: string | null;
}

/** data of `payout.paid` */
export class PayoutPaidDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  payoutId: string;

  @IsOptional() @IsString() @MaxLength(200)
  reference?: string | null;
}

/** data of `payout.failed` */
export class PayoutFailedDto {
  @IsString() @IsNotEmpty() @MaxLength(ID_MAX)
  payoutId: string;

  @IsString() @IsNotEmpty() @MaxLength(1000)
  reason: string;
}

export const DATA_DTO_BY_TYPE = {
  'referral.submitted': ReferralSubmittedDto,
  'customer.signed_up': CustomerSignedUpDto,
  'customer.activated': CustomerActivatedDto,
  'billing.usage_billed': UsageBilledDto,
  'billing.refunded': RefundedDto,
  'partner.approved': PartnerApprovedDto,
  'partner.group_changed': PartnerGroupChangedDto,
  'partner.suspended': PartnerStandingChangedDto,
  'partner.reinstated': PartnerStandingChangedDto,
  'partner.terminated': PartnerStandingChangedDto,
  'payout.paid': PayoutPaidDto,
  'payout.failed': PayoutFailedDto,
} as const;
