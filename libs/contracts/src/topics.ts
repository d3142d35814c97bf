/** Kafka topics of CONTRACT §2 and §7. */
export const TOPICS = {
  referrals: 'partner.referrals.v1',
  lifecycle: 'customer.lifecycle.v1',
  billing: 'billing.usage.v1',
  partners: 'partner.accounts.v1',
  payouts: 'payments.payouts.v1',
  status: 'referral.status.v1',
  qualified: 'referral.qualified.v1',
  accrued: 'commission.accrued.v1',
  payoutStatus: 'payout.status.v1',
  dlq: 'commission-engine.dlq.v1',
} as const;

export type TopicName = keyof typeof TOPICS;
export type Topics = Record<TopicName, string>;

/**
 * The topic names with an optional prefix (KAFKA_TOPIC_PREFIX, default none: the contract's names).
 * The prefix lets test runs and tenants share one broker without sharing topics.
 */
export function topicNames(prefix = ''): Topics {
  return Object.fromEntries(Object.entries(TOPICS).map(([name, topic]) => [name, `${prefix}${topic}`])) as Topics;
}

export const inputTopics = (t: Topics) => [t.referrals, t.lifecycle, t.billing, t.partners, t.payouts];
export const outputTopics = (t: Topics) => [t.status, t.qualified, t.accrued, t.payoutStatus, t.dlq];

/** The event types each input topic carries; any other type on that topic is UNKNOWN_TYPE. */
export const TYPES_BY_TOPIC: Readonly<Record<string, readonly string[]>> = {
  [TOPICS.referrals]: ['referral.submitted'],
  [TOPICS.lifecycle]: ['customer.signed_up', 'customer.activated'],
  [TOPICS.billing]: ['billing.usage_billed', 'billing.refunded'],
  [TOPICS.partners]: ['partner.approved', 'partner.group_changed', 'partner.suspended', 'partner.reinstated', 'partner.terminated'],
  [TOPICS.payouts]: ['payout.paid', 'payout.failed'],
};

export const ENGINE_SOURCE = 'commission-engine';
export const CONSUMER_GROUP = 'commission-engine';
