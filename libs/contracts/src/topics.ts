/** Kafka topics of CONTRACT §2 and §7. */
export const TOPICS = {
  referrals: 'partner.referrals.v1',
  lifecycle: 'customer.lifecycle.v1',
  billing: 'billing.usage.v1',
  status: 'referral.status.v1',
  qualified: 'referral.qualified.v1',
  accrued: 'commission.accrued.v1',
  dlq: 'commission-engine.dlq.v1',
} as const;

export const INPUT_TOPICS = [TOPICS.referrals, TOPICS.lifecycle, TOPICS.billing] as const;
export const OUTPUT_TOPICS = [TOPICS.status, TOPICS.qualified, TOPICS.accrued, TOPICS.dlq] as const;

/** The event types each input topic carries; any other type on that topic is UNKNOWN_TYPE. */
export const TYPES_BY_TOPIC: Readonly<Record<string, readonly string[]>> = {
  [TOPICS.referrals]: ['referral.submitted'],
  [TOPICS.lifecycle]: ['customer.signed_up', 'customer.activated'],
  [TOPICS.billing]: ['billing.usage_billed', 'billing.refunded'],
};

export const ENGINE_SOURCE = 'commission-engine';
export const CONSUMER_GROUP = 'commission-engine';
