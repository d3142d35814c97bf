import { parseMessage, TOPICS } from '@engine/contracts';
import { Family, loneAccount, referralCodeFamily, sameDomainFamily } from './family-stream';
import { sampleStream } from './sample-stream';
import { ScenarioMessage } from './scenario';

interface Envelope {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time: string;
  data: Record<string, any>;
}

const GENERIC = new Set(['gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'qq.com', '163.com', '126.com', 'icloud.com', 'proton.me']);
const envelopes = (messages: ScenarioMessage[]) => messages.map((m) => JSON.parse(m.value) as Envelope);
const ofType = (events: Envelope[], type: string) => events.filter((e) => e.type === type);

/** What every family stream must be: valid CloudEvents shaped like sampleStream's, in time order, on the right topics and keys. */
function expectWellFormed(family: Family): Envelope[] {
  const events = envelopes(family.messages);
  const sampleKeys = Object.keys(JSON.parse(sampleStream({ prospects: 1 })[0].value));
  const ids = new Set<string>();
  let previous = 0;
  family.messages.forEach((message, i) => {
    const event = events[i];
    expect(Object.keys(event)).toEqual(sampleKeys); // specversion, id, source, type, time, data
    expect(() => parseMessage(message.topic, message.value)).not.toThrow();
    expect(ids.has(`${event.source}/${event.id}`)).toBe(false);
    ids.add(`${event.source}/${event.id}`);
    const time = Date.parse(event.time);
    expect(time).toBeGreaterThanOrEqual(previous);
    previous = time;
    expect(time).toBeLessThan(family.after);
    const key = event.type === 'referral.submitted' ? event.data.referralId : event.data.customerId;
    expect(message.key).toBe(key);
    const topic = event.type === 'referral.submitted' ? TOPICS.referrals : event.type.startsWith('customer.') ? TOPICS.lifecycle : TOPICS.billing;
    expect(message.topic).toBe(topic);
  });
  expect(family.after).toBeLessThan(Date.parse('2026-11-01T00:00:00Z'));

  // one referral, submitted before every signup
  const submissions = ofType(events, 'referral.submitted');
  expect(submissions).toHaveLength(1);
  expect(submissions[0].data.referralId).toBe(family.referralId);
  expect(submissions[0].data.partnerId).toBe(family.partnerId);
  expect(submissions[0].data.prospect.emailDomain).toBe(family.prospectDomain);
  expect(GENERIC.has(family.prospectDomain)).toBe(false);

  // every customer signs up once, after the submission; every usage line is of a signed-up customer, after its signup
  const signups = ofType(events, 'customer.signed_up');
  const signedUpAt = new Map(signups.map((s) => [s.data.customerId as string, Date.parse(s.time)]));
  expect(signedUpAt.size).toBe(signups.length);
  expect([...signedUpAt.keys()].sort()).toEqual([...family.customerIds].sort());
  expect(Math.min(...signedUpAt.values())).toBeGreaterThan(Date.parse(submissions[0].time));
  expect(signups[0].data.customerId).toBe(family.claimantId); // the earliest signup claims
  const lines = ofType(events, 'billing.usage_billed');
  expect(lines).toHaveLength(family.customerIds.length * family.linesPerCustomer);
  for (const line of lines) {
    expect(signedUpAt.has(line.data.customerId)).toBe(true);
    expect(Date.parse(line.time)).toBeGreaterThan(signedUpAt.get(line.data.customerId)!);
  }
  expect(new Set(lines.map((l) => `${l.data.customerId}/${l.data.invoiceLineId}`)).size).toBe(lines.length);

  // the claimant activates and reaches the USD threshold (100.00) within the 90-day qualification window
  const activation = ofType(events, 'customer.activated').find((a) => a.data.customerId === family.claimantId);
  expect(activation).toBeDefined();
  const activatedAt = Date.parse(activation!.time);
  const qualifying = lines
    .filter((l) => l.data.customerId === family.claimantId && Date.parse(l.time) >= activatedAt && Date.parse(l.time) < activatedAt + 90 * 86_400_000)
    .reduce((sum, l) => sum + Math.round(Number(l.data.amount) * 100), 0);
  expect(qualifying).toBeGreaterThanOrEqual(10_000);
  return events;
}

describe('family streams', () => {
  it('(a) same domain: N accounts on one non-generic domain, one referral for it, only the claimant activates', () => {
    const family = sameDomainFamily({ accounts: 40, linesPerAccount: 5, idPrefix: 'ta' });
    const events = expectWellFormed(family);
    expect(events).toHaveLength(1 + 40 + 1 + 40 * 5);
    const signups = ofType(events, 'customer.signed_up');
    expect(signups).toHaveLength(40);
    expect(new Set(signups.map((s) => s.data.emailDomain))).toEqual(new Set([family.prospectDomain]));
    expect(signups.every((s) => s.data.referralCode === null && s.data.priorAccount === false)).toBe(true);
    expect(ofType(events, 'customer.activated').map((a) => a.data.customerId)).toEqual([family.claimantId]);
  });

  it('(a) at the issue\'s size: 2,000 accounts with 50 lines each', () => {
    const family = sameDomainFamily();
    expect(family.customerIds).toHaveLength(2000);
    expect(family.messages).toHaveLength(1 + 2000 + 1 + 2000 * 50);
    expect(new Set(family.customerIds).size).toBe(2000);
  });

  it('(b) referral link: N signups naming one referralCode on varied and generic domains, each activated with lines', () => {
    const family = referralCodeFamily({ signups: 20, linesPerSignup: 3, idPrefix: 'tb' });
    const events = expectWellFormed(family);
    expect(events).toHaveLength(1 + 20 * (2 + 3));
    const signups = ofType(events, 'customer.signed_up');
    expect(signups).toHaveLength(20);
    expect(signups.every((s) => s.data.referralCode === family.referralId)).toBe(true);
    const domains = signups.map((s) => s.data.emailDomain as string);
    expect(domains.some((d) => GENERIC.has(d))).toBe(true);
    expect(new Set(domains.filter((d) => !GENERIC.has(d))).size).toBe(10); // each company domain once
    expect(domains).not.toContain(family.prospectDomain);
    expect(new Set(ofType(events, 'customer.activated').map((a) => a.data.customerId))).toEqual(new Set(family.customerIds));
    expect(referralCodeFamily().messages).toHaveLength(1 + 500 * (2 + 10));
  });

  it('the lone account: one referral, one customer on its own domain, its history', () => {
    const lone = loneAccount({ lines: 12, idPrefix: 'tl' });
    const events = expectWellFormed(lone);
    expect(events).toHaveLength(3 + 12);
    expect(lone.customerIds).toEqual([lone.claimantId]);
    expect(ofType(events, 'customer.signed_up')[0].data.emailDomain).toBe(lone.prospectDomain);
  });

  it('is deterministic', () => {
    expect(sameDomainFamily({ accounts: 5, linesPerAccount: 3 }).messages).toEqual(sameDomainFamily({ accounts: 5, linesPerAccount: 3 }).messages);
    expect(referralCodeFamily({ signups: 5 }).messages).toEqual(referralCodeFamily({ signups: 5 }).messages);
  });
});
