export const REFERRAL_STATUSES = ['SUBMITTED', 'SIGNED_UP', 'ACTIVATED', 'QUALIFIED', 'REJECTED', 'EXPIRED'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

export const REJECTION_REASONS = ['PARTNER_NOT_ELIGIBLE', 'EXCLUDED_CHANNEL', 'SELF_REFERRAL', 'EXISTING_CUSTOMER', 'DUPLICATE'] as const;
export const EXPIRY_REASONS = ['NO_SIGNUP', 'NO_ACTIVATION', 'NOT_QUALIFIED'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];
export type ExpiryReason = (typeof EXPIRY_REASONS)[number];
export type StatusReason = RejectionReason | ExpiryReason;

export function isReferralStatus(value: unknown): value is ReferralStatus {
  return typeof value === 'string' && (REFERRAL_STATUSES as readonly string[]).includes(value);
}
