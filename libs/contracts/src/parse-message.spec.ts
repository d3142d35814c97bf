import { DlqCode, InvalidMessageError } from './dlq/dlq-code';
import { parseMessage, storableText } from './parse-message';
import { TOPICS } from './topics';

/** CONTRACT §2: every DLQ code a message can earn by itself, and the normalisation of a valid one. */

type Json = Record<string, unknown>;

const envelope = (type: string, data: unknown, overrides: Json = {}): Json => ({
  specversion: '1.0', id: 'evt-1', source: 'billing-system', type, time: '2026-03-01T10:00:00Z', data, ...overrides,
});

const usageData = (overrides: Json = {}): Json => ({
  customerId: 'c1', invoiceLineId: 'L1', productCode: 'api.requests', amount: '12.30', currency: 'USD', ...overrides,
});
const refundData = (overrides: Json = {}): Json => ({
  customerId: 'c1', refundId: 'R1', invoiceLineId: 'L1', amount: '2.00', currency: 'USD', ...overrides,
});
const submissionData = (overrides: Json = {}): Json => ({
  referralId: 'r1', partnerId: 'p1', partnerDomain: 'Partner.Example',
  prospect: { companyName: 'Acme', emailDomain: 'ACME.com', contactEmail: 'cto@acme.com', region: 'EU' },
  useCase: 'analytics', channel: 'partner_portal', ...overrides,
});
const signupData = (overrides: Json = {}): Json => ({
  customerId: 'c1', companyName: 'Acme', emailDomain: 'Acme.COM', referralCode: 'r1', priorAccount: false, ...overrides,
});

const usage = (data: unknown, overrides: Json = {}) => JSON.stringify(envelope('billing.usage_billed', data, overrides));
const partnerMessage = (type: string, data: unknown, overrides: Json = {}) => JSON.stringify(envelope(type, data, { source: 'partner-admin', ...overrides }));
const payoutMessage = (type: string, data: unknown, overrides: Json = {}) => JSON.stringify(envelope(type, data, { source: 'payments', ...overrides }));
const PAYOUT_ID = '2026-10:P-001:USD';
const submission = (prospect: Json) => JSON.stringify(envelope('referral.submitted', submissionData({ prospect: { companyName: 'Acme', emailDomain: 'acme.com', ...prospect } })));

/** The InvalidMessageError thrown by parseMessage, or a failure when it does not throw one. */
function rejection(topic: string, value: Buffer | string | null): InvalidMessageError {
  try {
    parseMessage(topic, value);
  } catch (error) {
    if (error instanceof InvalidMessageError) return error;
    throw error;
  }
  throw new Error('parseMessage accepted the message');
}

describe('parseMessage: rejected messages', () => {
  describe('MALFORMED_JSON', () => {
    it.each([
      ['truncated JSON', usage(usageData()).slice(0, 40)],
      ['not JSON at all', 'hello, world'],
      ['an empty value', ''],
      ['XML', '<event type="billing.usage_billed"/>'],
      ['a trailing comma', '{"specversion":"1.0",}'],
    ])('%s', (_, value) => {
      expect(rejection(TOPICS.billing, value).code).toBe(DlqCode.MALFORMED_JSON);
    });

    it('a null value (tombstone)', () => {
      expect(rejection(TOPICS.billing, null).code).toBe(DlqCode.MALFORMED_JSON);
    });

    it('truncated bytes in a Buffer', () => {
      expect(rejection(TOPICS.billing, Buffer.from(usage(usageData()).slice(0, -1), 'utf8')).code).toBe(DlqCode.MALFORMED_JSON);
    });
  });

  describe('INVALID_ENVELOPE', () => {
    it.each([
      ['specversion missing', { specversion: undefined }, 'specversion'],
      ['specversion 0.3', { specversion: '0.3' }, 'specversion'],
      ['source missing', { source: undefined }, 'source'],
      ['source empty', { source: '' }, 'source'],
      ['id missing', { id: undefined }, 'id'],
      ['type missing', { type: undefined }, 'type'],
      ['time "yesterday"', { time: 'yesterday' }, 'time'],
      ['time an impossible date 2026-02-30', { time: '2026-02-30T10:00:00Z' }, 'time'],
      ['time 2026-13-01', { time: '2026-13-01T00:00:00Z' }, 'time'],
      ['time 25:00', { time: '2026-03-01T25:00:00Z' }, 'time'],
      ['time without a zone', { time: '2026-03-01T10:00:00' }, 'time'],
      ['time a date only', { time: '2026-03-01' }, 'time'],
      ['time as epoch ms', { time: 1772359200000 }, 'time'],
      ['data missing', { data: undefined }, 'data'],
      ['data a string', { data: 'c1' }, 'data'],
    ])('%s', (_, overrides, field) => {
      const error = rejection(TOPICS.billing, usage(usageData(), overrides));
      expect(error.code).toBe(DlqCode.INVALID_ENVELOPE);
      expect(error.message).toContain(field);
    });

    it.each([['an array', '[1,2,3]'], ['a string', '"billing.usage_billed"'], ['a number', '42'], ['JSON null', 'null'], ['true', 'true']])(
      'non-object JSON: %s',
      (_, value) => {
        expect(rejection(TOPICS.billing, value).code).toBe(DlqCode.INVALID_ENVELOPE);
      },
    );

    it('a leap day is a real date', () => {
      expect(parseMessage(TOPICS.billing, usage(usageData(), { time: '2028-02-29T00:00:00Z' })).event.time).toBe(Date.UTC(2028, 1, 29));
    });
  });

  describe('UNKNOWN_TYPE', () => {
    it('an unknown type', () => {
      const error = rejection(TOPICS.billing, usage(usageData(), { type: 'billing.invoice_paid' }));
      expect(error.code).toBe(DlqCode.UNKNOWN_TYPE);
      expect(error.message).toContain('billing.invoice_paid');
    });

    it.each([
      [TOPICS.referrals, 'billing.usage_billed'],
      [TOPICS.lifecycle, 'referral.submitted'],
      [TOPICS.billing, 'customer.activated'],
      [TOPICS.partners, 'referral.submitted'],
      [TOPICS.partners, 'customer.activated'],
      [TOPICS.referrals, 'partner.approved'],
      [TOPICS.lifecycle, 'partner.suspended'],
      [TOPICS.payouts, 'billing.usage_billed'],
      [TOPICS.payouts, 'partner.approved'],
      [TOPICS.billing, 'payout.paid'],
      [TOPICS.partners, 'payout.failed'],
    ])('a valid type on the wrong topic: %s carrying %s', (topic, type) => {
      expect(rejection(topic, usage(usageData(), { type })).code).toBe(DlqCode.UNKNOWN_TYPE);
    });

    it('a partner type the topic does not carry', () => {
      const error = rejection(TOPICS.partners, partnerMessage('partner.deleted', { partnerId: 'p1' }));
      expect(error.code).toBe(DlqCode.UNKNOWN_TYPE);
      expect(error.message).toContain('partner.deleted');
    });

    it('a payout type the topic does not carry', () => {
      const error = rejection(TOPICS.payouts, payoutMessage('payout.cancelled', { payoutId: PAYOUT_ID }));
      expect(error.code).toBe(DlqCode.UNKNOWN_TYPE);
      expect(error.message).toContain('payout.cancelled');
    });

    it('a type that differs only by case', () => {
      expect(rejection(TOPICS.billing, usage(usageData(), { type: 'Billing.Usage_Billed' })).code).toBe(DlqCode.UNKNOWN_TYPE);
    });
  });

  describe('INVALID_DATA', () => {
    it.each([
      [TOPICS.billing, 'billing.usage_billed', usageData({ customerId: undefined }), 'data.customerId'],
      [TOPICS.billing, 'billing.usage_billed', usageData({ invoiceLineId: '' }), 'data.invoiceLineId'],
      [TOPICS.billing, 'billing.usage_billed', usageData({ productCode: undefined }), 'data.productCode'],
      [TOPICS.billing, 'billing.usage_billed', usageData({ currency: undefined }), 'data.currency'],
      [TOPICS.billing, 'billing.refunded', refundData({ refundId: undefined }), 'data.refundId'],
      [TOPICS.lifecycle, 'customer.activated', {}, 'data.customerId'],
      [TOPICS.lifecycle, 'customer.signed_up', signupData({ priorAccount: undefined }), 'data.priorAccount'],
      [TOPICS.lifecycle, 'customer.signed_up', signupData({ priorAccount: 'yes' }), 'data.priorAccount'],
      [TOPICS.lifecycle, 'customer.signed_up', signupData({ emailDomain: 'cto@acme.com' }), 'data.emailDomain'],
      [TOPICS.referrals, 'referral.submitted', submissionData({ prospect: undefined }), 'data.prospect'],
      [TOPICS.referrals, 'referral.submitted', submissionData({ prospect: { companyName: 'Acme' } }), 'data.prospect.emailDomain'],
      [TOPICS.referrals, 'referral.submitted', submissionData({ channel: 7 }), 'data.channel'],
      [TOPICS.referrals, 'referral.submitted', submissionData({ prospect: { companyName: 'Acme', emailDomain: 'acme.com', region: 'r'.repeat(65) } }), 'data.prospect.region'],
      [TOPICS.referrals, 'referral.submitted', submissionData({ prospect: { companyName: 'Acme', emailDomain: 'acme.com', region: 7 } }), 'data.prospect.region'],
      [TOPICS.partners, 'partner.approved', {}, 'data.partnerId'],
      [TOPICS.partners, 'partner.approved', { partnerId: '' }, 'data.partnerId'],
      [TOPICS.partners, 'partner.approved', { partnerId: 'p'.repeat(201) }, 'data.partnerId'],
      [TOPICS.partners, 'partner.approved', { partnerId: 'p1', group: '' }, 'data.group'],
      [TOPICS.partners, 'partner.approved', { partnerId: 'p1', group: 'g'.repeat(65) }, 'data.group'],
      [TOPICS.partners, 'partner.group_changed', { partnerId: 'p1' }, 'data.group'],
      [TOPICS.partners, 'partner.group_changed', { partnerId: 'p1', group: null }, 'data.group'],
      [TOPICS.partners, 'partner.group_changed', { group: 'gold' }, 'data.partnerId'],
      [TOPICS.partners, 'partner.suspended', { reason: 'late payments' }, 'data.partnerId'],
      [TOPICS.partners, 'partner.reinstated', { partnerId: 42 }, 'data.partnerId'],
      [TOPICS.partners, 'partner.terminated', { partnerId: 'p1', reason: 'x'.repeat(1001) }, 'data.reason'],
      [TOPICS.partners, 'partner.terminated', { partnerId: 'p1', reason: { text: 'fraud' } }, 'data.reason'],
      [TOPICS.payouts, 'payout.paid', {}, 'data.payoutId'],
      [TOPICS.payouts, 'payout.paid', { reference: 'TRX-1' }, 'data.payoutId'],
      [TOPICS.payouts, 'payout.paid', { payoutId: '' }, 'data.payoutId'],
      [TOPICS.payouts, 'payout.paid', { payoutId: 'o'.repeat(201) }, 'data.payoutId'],
      [TOPICS.payouts, 'payout.paid', { payoutId: 7 }, 'data.payoutId'],
      [TOPICS.payouts, 'payout.paid', { payoutId: PAYOUT_ID, reference: 'x'.repeat(201) }, 'data.reference'],
      [TOPICS.payouts, 'payout.paid', { payoutId: PAYOUT_ID, reference: 42 }, 'data.reference'],
      [TOPICS.payouts, 'payout.failed', { reason: 'account closed' }, 'data.payoutId'],
      [TOPICS.payouts, 'payout.failed', { payoutId: PAYOUT_ID }, 'data.reason'],
      [TOPICS.payouts, 'payout.failed', { payoutId: PAYOUT_ID, reason: null }, 'data.reason'],
      [TOPICS.payouts, 'payout.failed', { payoutId: PAYOUT_ID, reason: '' }, 'data.reason'],
      [TOPICS.payouts, 'payout.failed', { payoutId: PAYOUT_ID, reason: 'x'.repeat(1001) }, 'data.reason'],
    ])('%s %s with a bad field names it (%#)', (topic, type, data, field) => {
      const error = rejection(topic, JSON.stringify(envelope(type, data)));
      expect(error.code).toBe(DlqCode.INVALID_DATA);
      expect(error.message).toContain(field);
    });

    it('names every bad field', () => {
      const error = rejection(TOPICS.billing, usage(usageData({ customerId: undefined, invoiceLineId: undefined })));
      expect(error.message).toContain('data.customerId');
      expect(error.message).toContain('data.invoiceLineId');
    });

    it('an amount given as a JSON number', () => {
      const error = rejection(TOPICS.billing, usage(usageData({ amount: 12.3 })));
      expect(error.code).toBe(DlqCode.INVALID_DATA);
      expect(error.message).toContain('data.amount');
    });

    it('nesting deeper than 64 levels (inside data)', () => {
      let deep: unknown = 'bottom';
      for (let i = 0; i < 100; i++) deep = { nested: deep };
      expect(rejection(TOPICS.billing, usage(usageData({ extra: deep }))).code).toBe(DlqCode.INVALID_DATA);
      let deepArray: unknown = 1;
      for (let i = 0; i < 70; i++) deepArray = [deepArray];
      expect(rejection(TOPICS.billing, usage(usageData({ extra: deepArray }))).code).toBe(DlqCode.INVALID_DATA);
    });

    it('moderate nesting of extra data is accepted', () => {
      let nested: unknown = 'leaf';
      for (let i = 0; i < 20; i++) nested = { nested };
      expect(parseMessage(TOPICS.billing, usage(usageData({ extra: nested }))).event.type).toBe('billing.usage_billed');
    });
  });

  describe('messages that would otherwise fail every transaction (found by test/fuzz.int-spec.ts)', () => {
    it.each([
      ['prospect an empty array', submissionData({ prospect: [] }), 'data.prospect'],
      ['prospect an array of a prospect', submissionData({ prospect: [{ companyName: 'Acme', emailDomain: 'acme.com' }] }), 'data.prospect'],
      ['U+0000 in a stored id', submissionData({ referralId: 'r\u00001' }), 'data.referralId'],
      ['an unpaired high surrogate', submissionData({ partnerId: 'p\ud800' }), 'data.partnerId'],
      ['an unpaired low surrogate', submissionData({ channel: '\udfffweb' }), 'data.channel'],
      ['U+0000 in the region', submissionData({ prospect: { companyName: 'Acme', emailDomain: 'acme.com', region: 'eu\u0000' } }), 'data.region'],
    ])('%s: INVALID_DATA', (_, data, field) => {
      const error = rejection(TOPICS.referrals, JSON.stringify(envelope('referral.submitted', data)));
      expect(error.code).toBe(DlqCode.INVALID_DATA);
      expect(error.message).toContain(field);
    });

    it.each([
      ['U+0000 in a partner id', 'partner.approved', { partnerId: 'p\u00001' }, 'data.partnerId'],
      ['an unpaired surrogate in a group', 'partner.approved', { partnerId: 'p1', group: 'gold\ud800' }, 'data.group'],
      ['U+0000 in a new group', 'partner.group_changed', { partnerId: 'p1', group: '\u0000' }, 'data.group'],
      ['an unpaired surrogate in a reason', 'partner.terminated', { partnerId: 'p1', reason: 'fraud \udc00' }, 'data.reason'],
    ])('%s: INVALID_DATA', (_, type, data, field) => {
      const error = rejection(TOPICS.partners, partnerMessage(type, data));
      expect(error.code).toBe(DlqCode.INVALID_DATA);
      expect(error.message).toContain(field);
    });

    it.each([
      ['U+0000 in a payout id', 'payout.paid', { payoutId: '2026-10:P-001\u0000:USD' }, 'data.payoutId'],
      ['an unpaired surrogate in a reference', 'payout.paid', { payoutId: PAYOUT_ID, reference: 'TRX \ud800' }, 'data.reference'],
      ['U+0000 in a failure reason', 'payout.failed', { payoutId: PAYOUT_ID, reason: 'closed\u0000' }, 'data.reason'],
    ])('%s: INVALID_DATA', (_, type, data, field) => {
      const error = rejection(TOPICS.payouts, payoutMessage(type, data));
      expect(error.code).toBe(DlqCode.INVALID_DATA);
      expect(error.message).toContain(field);
    });

    it.each([
      ['year 0000 (PostgreSQL has no year 0)', { time: '0000-06-01T00:00:00Z' }, 'time'],
      ['late 9999 (an expiry would be in year 10000)', { time: '9999-12-31T00:00:00Z' }, 'time'],
      ['before 1970', { time: '1969-12-31T23:59:59Z' }, 'time'],
      ['U+0000 in the source', { source: 'billing\u0000' }, 'source'],
      ['an unpaired surrogate in the id', { id: 'evt-\ud83d' }, 'id'],
    ])('%s: INVALID_ENVELOPE', (_, overrides, field) => {
      const error = rejection(TOPICS.billing, usage(usageData(), overrides));
      expect(error.code).toBe(DlqCode.INVALID_ENVELOPE);
      expect(error.message).toContain(field);
    });

    it('a source and id too wide for the event store key (characters of four UTF-8 bytes)', () => {
      const wide = (n: number) => '\u{1F600}'.repeat(n);
      const error = rejection(TOPICS.billing, usage(usageData(), { source: wide(400), id: wide(250) }));
      expect(error.code).toBe(DlqCode.INVALID_ENVELOPE);
      expect(error.message).toContain('source, id');
      expect(parseMessage(TOPICS.billing, usage(usageData(), { source: 's'.repeat(512), id: 'i'.repeat(256) })).event.id).toHaveLength(256);
    });

    it('a well-formed astral character is fine', () => {
      expect(parseMessage(TOPICS.billing, usage(usageData({ customerId: 'c-\ud83d\ude00' }))).event.type).toBe('billing.usage_billed');
    });
  });

  describe('UNSUPPORTED_CURRENCY', () => {
    it.each([['billing.usage_billed', usageData({ currency: 'GBP' })], ['billing.refunded', refundData({ currency: 'GBP' })], ['billing.usage_billed', usageData({ currency: 'XYZ' })]])(
      '%s in %j',
      (type, data) => {
        const error = rejection(TOPICS.billing, JSON.stringify(envelope(type, data)));
        expect(error.code).toBe(DlqCode.UNSUPPORTED_CURRENCY);
        expect(error.message).toContain('data.currency');
      },
    );
  });

  describe('INVALID_AMOUNT', () => {
    it.each([
      ['12.345', 'USD'],
      ['-5.00', 'USD'],
      ['0', 'USD'],
      ['0.00', 'EUR'],
      ['1e3', 'USD'],
      ['12.5', 'JPY'],
      ['1000000000000.01', 'USD'],
      [' 12.30', 'USD'],
      ['12,30', 'EUR'],
      ['', 'USD'],
    ])('%p %s', (amount, currency) => {
      const error = rejection(TOPICS.billing, usage(usageData({ amount, currency })));
      expect([DlqCode.INVALID_AMOUNT, DlqCode.INVALID_DATA]).toContain(error.code); // '' is also an empty required field
      if (amount !== '') expect(error.code).toBe(DlqCode.INVALID_AMOUNT);
      expect(error.message).toContain('data.amount');
    });

    it('a refund amount is checked the same way', () => {
      expect(rejection(TOPICS.billing, JSON.stringify(envelope('billing.refunded', refundData({ amount: '0.001' })))).code).toBe(DlqCode.INVALID_AMOUNT);
    });
  });
});

describe('parseMessage: a valid message, normalised', () => {
  it('referral.submitted: domains lower-cased, time in epoch ms', () => {
    const { event } = parseMessage(TOPICS.referrals, JSON.stringify(envelope('referral.submitted', submissionData(), { source: 'partner-portal', id: 'sub-1' })));
    expect(event).toEqual({
      source: 'partner-portal', id: 'sub-1', time: Date.UTC(2026, 2, 1, 10), type: 'referral.submitted',
      referralId: 'r1', partnerId: 'p1', partnerDomain: 'partner.example', prospectDomain: 'acme.com', region: 'EU', channel: 'partner_portal',
    });
  });

  it('referral.submitted: prospect.region as given; absent or null → null', () => {
    expect(parseMessage(TOPICS.referrals, submission({ region: 'eu-west-1' })).event).toMatchObject({ region: 'eu-west-1' });
    expect(parseMessage(TOPICS.referrals, submission({})).event).toMatchObject({ region: null });
    expect(parseMessage(TOPICS.referrals, submission({ region: null })).event).toMatchObject({ region: null });
  });

  it('partner.approved: its group, or `default` when it names none (or null)', () => {
    const at = Date.UTC(2026, 2, 1, 10);
    expect(parseMessage(TOPICS.partners, partnerMessage('partner.approved', { partnerId: 'p1', group: 'gold' })).event).toEqual({
      source: 'partner-admin', id: 'evt-1', time: at, type: 'partner.approved', partnerId: 'p1', group: 'gold',
    });
    expect(parseMessage(TOPICS.partners, partnerMessage('partner.approved', { partnerId: 'p1' })).event).toEqual({
      source: 'partner-admin', id: 'evt-1', time: at, type: 'partner.approved', partnerId: 'p1', group: 'default',
    });
    expect(parseMessage(TOPICS.partners, partnerMessage('partner.approved', { partnerId: 'p1', group: null })).event).toMatchObject({ group: 'default' });
  });

  it('partner.group_changed', () => {
    expect(parseMessage(TOPICS.partners, partnerMessage('partner.group_changed', { partnerId: 'p1', group: 'silver' })).event).toEqual({
      source: 'partner-admin', id: 'evt-1', time: Date.UTC(2026, 2, 1, 10), type: 'partner.group_changed', partnerId: 'p1', group: 'silver',
    });
  });

  it.each(['partner.suspended', 'partner.reinstated', 'partner.terminated'])('%s: its reason, null when absent or null', (type) => {
    expect(parseMessage(TOPICS.partners, partnerMessage(type, { partnerId: 'p1', reason: 'compliance review' })).event).toEqual({
      source: 'partner-admin', id: 'evt-1', time: Date.UTC(2026, 2, 1, 10), type, partnerId: 'p1', reason: 'compliance review',
    });
    expect(parseMessage(TOPICS.partners, partnerMessage(type, { partnerId: 'p1' })).event).toMatchObject({ type, partnerId: 'p1', reason: null });
    expect(parseMessage(TOPICS.partners, partnerMessage(type, { partnerId: 'p1', reason: null })).event).toMatchObject({ reason: null });
  });

  it('payout.paid: its reference, null when absent or null', () => {
    const at = Date.UTC(2026, 2, 1, 10);
    expect(parseMessage(TOPICS.payouts, payoutMessage('payout.paid', { payoutId: PAYOUT_ID, reference: 'TRX-2026-10-001' })).event).toEqual({
      source: 'payments', id: 'evt-1', time: at, type: 'payout.paid', payoutId: PAYOUT_ID, reference: 'TRX-2026-10-001',
    });
    expect(parseMessage(TOPICS.payouts, payoutMessage('payout.paid', { payoutId: PAYOUT_ID })).event).toEqual({
      source: 'payments', id: 'evt-1', time: at, type: 'payout.paid', payoutId: PAYOUT_ID, reference: null,
    });
    expect(parseMessage(TOPICS.payouts, payoutMessage('payout.paid', { payoutId: PAYOUT_ID, reference: null })).event).toMatchObject({ reference: null });
  });

  it('payout.failed: its reason', () => {
    expect(parseMessage(TOPICS.payouts, payoutMessage('payout.failed', { payoutId: PAYOUT_ID, reason: 'beneficiary account closed' })).event).toEqual({
      source: 'payments', id: 'evt-1', time: Date.UTC(2026, 2, 1, 10), type: 'payout.failed', payoutId: PAYOUT_ID, reason: 'beneficiary account closed',
    });
  });

  it('customer.signed_up: emailDomain lower-cased; referralCode absent or null → null', () => {
    const withCode = parseMessage(TOPICS.lifecycle, JSON.stringify(envelope('customer.signed_up', signupData()))).event;
    expect(withCode).toMatchObject({ type: 'customer.signed_up', customerId: 'c1', emailDomain: 'acme.com', referralCode: 'r1', priorAccount: false });
    const absent = parseMessage(TOPICS.lifecycle, JSON.stringify(envelope('customer.signed_up', signupData({ referralCode: undefined })))).event;
    expect(absent).toMatchObject({ referralCode: null });
    const explicitNull = parseMessage(TOPICS.lifecycle, JSON.stringify(envelope('customer.signed_up', signupData({ referralCode: null, priorAccount: true })))).event;
    expect(explicitNull).toMatchObject({ referralCode: null, priorAccount: true });
  });

  it('customer.activated', () => {
    expect(parseMessage(TOPICS.lifecycle, JSON.stringify(envelope('customer.activated', { customerId: 'c9' }))).event).toEqual({
      source: 'billing-system', id: 'evt-1', time: Date.UTC(2026, 2, 1, 10), type: 'customer.activated', customerId: 'c9',
    });
  });

  it.each([
    ['12.30', 'USD', 1230n],
    ['12.3', 'EUR', 1230n],
    ['700', 'CNY', 70000n],
    ['7500', 'JPY', 7500n],
    ['1000000000000', 'USD', 100000000000000n],
  ])('usage amount %s %s → %p minor units', (amount, currency, minor) => {
    const { event } = parseMessage(TOPICS.billing, usage(usageData({ amount, currency, periodStart: '2026-02-01', periodEnd: '2026-02-28' })));
    expect(event).toEqual({
      source: 'billing-system', id: 'evt-1', time: Date.UTC(2026, 2, 1, 10), type: 'billing.usage_billed',
      customerId: 'c1', invoiceLineId: 'L1', productCode: 'api.requests', amount: minor, currency,
    });
  });

  it('billing.refunded amounts in minor units', () => {
    const { event } = parseMessage(TOPICS.billing, JSON.stringify(envelope('billing.refunded', refundData({ amount: '0.05', currency: 'EUR' }))));
    expect(event).toMatchObject({ type: 'billing.refunded', refundId: 'R1', invoiceLineId: 'L1', amount: 5n, currency: 'EUR' });
  });

  it.each([
    ['2026-03-01T01:30:00+02:00', Date.UTC(2026, 1, 28, 23, 30)],
    ['2026-02-28T20:00:00-05:00', Date.UTC(2026, 2, 1, 1)],
    ['2026-03-01T10:00:00.123456Z', Date.UTC(2026, 2, 1, 10, 0, 0, 123)],
    ['2026-03-01t10:00:00z', Date.UTC(2026, 2, 1, 10)],
  ])('time %s → UTC epoch %p', (time, ms) => {
    expect(parseMessage(TOPICS.billing, usage(usageData(), { time })).event.time).toBe(ms);
  });

  it('extension attributes are allowed', () => {
    expect(parseMessage(TOPICS.billing, usage(usageData(), { traceparent: '00-abc-def-01', datacontenttype: 'application/json' })).event.type).toBe('billing.usage_billed');
  });

  it('accepts a Buffer as well as a string', () => {
    const text = usage(usageData());
    expect(parseMessage(TOPICS.billing, Buffer.from(text, 'utf8'))).toEqual(parseMessage(TOPICS.billing, text));
  });
});

describe('parseMessage: payload hash', () => {
  it('key order (envelope and data) and whitespace do not change the hash', () => {
    const a = JSON.stringify(envelope('billing.usage_billed', usageData()));
    const reordered = JSON.stringify({
      data: { currency: 'USD', amount: '12.30', productCode: 'api.requests', invoiceLineId: 'L1', customerId: 'c1' },
      time: '2026-03-01T10:00:00Z', type: 'billing.usage_billed', source: 'billing-system', id: 'evt-1', specversion: '1.0',
    });
    const spaced = JSON.stringify(JSON.parse(a), null, 2);
    expect(parseMessage(TOPICS.billing, reordered).hash).toBe(parseMessage(TOPICS.billing, a).hash);
    expect(parseMessage(TOPICS.billing, spaced).hash).toBe(parseMessage(TOPICS.billing, a).hash);
  });

  it('key order inside nested objects does not change it either', () => {
    const a = JSON.stringify(envelope('referral.submitted', submissionData({ prospect: { companyName: 'Acme', emailDomain: 'acme.com' } })));
    const b = JSON.stringify(envelope('referral.submitted', submissionData({ prospect: { emailDomain: 'acme.com', companyName: 'Acme' } })));
    expect(parseMessage(TOPICS.referrals, a).hash).toBe(parseMessage(TOPICS.referrals, b).hash);
  });

  it('a different value changes the hash (a conflicting duplicate can be told apart)', () => {
    const a = parseMessage(TOPICS.billing, usage(usageData())).hash;
    expect(parseMessage(TOPICS.billing, usage(usageData({ amount: '12.31' }))).hash).not.toBe(a);
    expect(parseMessage(TOPICS.billing, usage(usageData(), { time: '2026-03-01T10:00:01Z' })).hash).not.toBe(a);
  });
});

describe('storableText', () => {
  it('replaces U+0000 and unpaired surrogates, keeps surrogate pairs and plain text as they are', () => {
    expect(storableText('a\u0000b\ud800c\udc00d😀')).toBe('a\uFFFDb\uFFFDc\uFFFDd😀');
    const plain = 'property foo should not exist';
    expect(storableText(plain)).toBe(plain);
    expect(storableText('😀'.slice(0, 1))).toBe('\uFFFD'); // a pair cut in half, as a truncated reason may be
  });
});
