import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { count, loadConfig, ProgressLines } from '@engine/config';
import { inputTopics, TOPICS, TopicName } from '@engine/contracts';
import { Currency, formatAmount, periodOf, periodsFrom, previousPeriod } from '@engine/domain';
import { KafkaGateway } from '@engine/messaging';
import { cloudEvents, pollUntil, publishMessages, repoRoot, sampleStream, ScenarioMessage } from '@engine/testing';
import { DataSource } from 'typeorm';
import { createEngineApp, startEngineApp } from '../apps/engine/src/engine-app';
import { DATA_SOURCE } from '../apps/engine/src/engine.tokens';

/**
 * `npm run demo`: the engine on the local stack, a realistic sample stream, the months closed in order with their
 * payout statements, payout orders paid and failed (through the API and the payment system's topic), the partners'
 * balances, and the ledger CSV. The engine keeps serving the API afterwards (Ctrl-C stops it; `-- --exit` stops
 * right away). Its logs are pretty lines, warnings and errors only (LOG_FORMAT, LOG_LEVEL); a step that takes more
 * than 2 s says where it is on stderr.
 */
async function main(): Promise<void> {
  const exitWhenDone = process.argv.includes('--exit');
  const financeKey = 'demo-finance-key';
  const config = loadConfig({
    ...process.env,
    ENGINE_NOW: process.env.ENGINE_NOW ?? '2026-11-01T00:00:00Z',
    API_KEYS: process.env.API_KEYS ?? `${financeKey}:finance,demo-partner-key:partner:P-001`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty',
    PROGRAMS_FILE: process.env.PROGRAMS_FILE ?? join(repoRoot(), 'programs', 'example.json'),
    // least privilege, with the two roles `stack:up` created (README, "Database roles"), unless a URL is given
    ...(process.env.DATABASE_URL ? {} : {
      DATABASE_URL: 'postgres://commission_engine@127.0.0.1:5432/commissions',
      MIGRATION_DATABASE_URL: 'postgres://commission_owner@127.0.0.1:5432/commissions',
    }),
  });
  const key = config.apiKeys.split(',').find((item) => item.endsWith(':finance'))?.split(':')[0] ?? financeKey;
  step(`starting the engine (Kafka ${config.kafkaBrokers.join(',')}, ${redact(config.databaseUrl)}, clock ${new Date(config.engineNow!).toISOString()})`);
  const app = await createEngineApp(config);
  await startEngineApp(app, config.httpPort);
  const api = `http://localhost:${config.httpPort}`;

  const messages = sampleStream({ prospects: 300, seed: 2026, partnerFeed: true });
  step(`programs from ${config.programsFile} (regional terms, a gold partner group, from 2026-03-01 a rate change and a 30-day holding period); partner enrollment ${config.partnerEnrollment}`);
  step(`publishing ${messages.length} events (300 prospects, 6 partners of which P-002 gold, P-004 suspended for two months, P-006 terminated; every outcome; 10% of stories out of order)`);
  const kafka = new KafkaGateway({ brokers: config.kafkaBrokers, clientId: 'demo-publisher' });
  const started = Date.now();
  const publishing = new ProgressLines();
  const total = count(messages.length);
  await publishMessages(kafka, messages.map((m) => ({ ...m, topic: config.topics[topicName(m.topic)] })), 500, (published) =>
    publishing.tick(() => `demo: published ${count(published)}/${total}`));
  publishing.end(() => `demo: published ${total}/${total}`);

  const dataSource = app.get<DataSource>(DATA_SOURCE);
  /** Lag 0 and the outbox empty; with `published`, a line every 2 s: "applied 1,800/2,479 (lag 679)". */
  const settled = (what: string, published = 0) => {
    const progress = new ProgressLines();
    return pollUntil(async () => {
      const lag = (await kafka.lag(config.groupId, inputTopics(config.topics))).reduce((sum, l) => sum + l.lag, 0);
      const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM outbox');
      if (published > 0) {
        const applied = `demo: applied ${count(Math.max(0, published - lag))}/${count(published)}`;
        progress.tick(() => `${applied} (lag ${count(lag)}${n > 0 ? `, ${count(n)} outbox row(s) to publish` : ''})`);
        if (lag === 0 && n === 0) progress.end(() => applied);
      }
      return lag === 0 && n === 0;
    }, 180_000, 250, what);
  };
  await settled('the engine to consume everything', messages.length);
  step(`consumed, applied and published in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const statuses: { status: string; reason: string | null; n: number }[] = await dataSource.query(
    'SELECT status, reason, count(*)::int AS n FROM referral GROUP BY 1, 2 ORDER BY 1, 2',
  );
  console.log('\nReferrals by status');
  console.table(statuses.map((s) => ({ status: s.status, reason: s.reason ?? '', referrals: s.n })));

  await printPrograms(dataSource, api, key);

  const now = config.engineNow ?? Date.now();
  const closed = await closeMonths(dataSource, api, key, previousPeriod(periodOf(now)));
  await settlePayouts(dataSource, api, key, closed, now, async (message) => {
    await publishMessages(kafka, [{ ...message, topic: config.topics.payouts }]);
    await settled('the payout event to be applied', 1);
  });

  const periods: { period: string }[] = await dataSource.query('SELECT DISTINCT booked_period AS period FROM ledger_entry ORDER BY 1');
  const outDir = join(repoRoot(), 'out', 'demo');
  mkdirSync(outDir, { recursive: true });
  let ledgerCsv = '';
  let payoutsCsv = '';
  let ordersCsv = '';
  const append = (all: string, csv: string) => (all ? all + csv.slice(csv.indexOf('\n') + 1) : csv); // one header
  const exporting = new ProgressLines();
  for (const [i, { period }] of periods.entries()) {
    ledgerCsv = append(ledgerCsv, await get(`${api}/v1/ledger?period=${period}&format=csv`, key));
    payoutsCsv = append(payoutsCsv, await get(`${api}/v1/payouts?period=${period}&format=csv`, key));
    exporting.tick(() => `demo: exported ${period} (${i + 1} of ${periods.length})`);
  }
  exporting.end(() => `demo: exported ${periods.length} of ${periods.length} periods`);
  for (const period of closed) ordersCsv = append(ordersCsv, await get(`${api}/v1/payout-orders?period=${period}&format=csv`, key));
  writeFileSync(join(outDir, 'ledger.csv'), ledgerCsv);
  writeFileSync(join(outDir, 'payouts.csv'), payoutsCsv);
  writeFileSync(join(outDir, 'payout-orders.csv'), ordersCsv);
  step(`wrote ${join(outDir, 'ledger.csv')} (${ledgerCsv.split('\n').length - 2} entries), ${join(outDir, 'payouts.csv')} and ${join(outDir, 'payout-orders.csv')}`);

  console.log(`
The API is at ${api}  (OpenAPI: ${api}/docs, metrics: ${api}/metrics)
  finance key:  ${key}
  partner key:  demo-partner-key (partner P-001)   [set API_KEYS to choose your own]
  try:  curl -H 'Authorization: Bearer ${key}' '${api}/v1/payouts?period=${closed.at(-1) ?? '2026-10'}'
        curl -H 'Authorization: Bearer ${key}' '${api}/v1/payout-orders?period=${closed.at(-1) ?? '2026-10'}&status=PENDING'
        curl -H 'Authorization: Bearer demo-partner-key' '${api}/v1/partners/P-001/balance'
        curl -H 'Authorization: Bearer demo-partner-key' '${api}/v1/partners/P-001/referrals?status=QUALIFIED'
`);
  await kafka.close();
  if (exitWhenDone) {
    await app.close();
    return;
  }
  step('the engine keeps running; Ctrl-C to stop');
}

interface Statement {
  partnerId: string;
  currency: string;
  opening: string;
  net: string;
  closing: string;
  held: string;
  available: string;
  payable: string;
  carried: string;
}

interface PayoutOrder {
  payoutId: string;
  period: string;
  partnerId: string;
  currency: string;
  amount: string;
  status: string;
}

/**
 * Closes every month from the earliest one with entries up to `last` (the last month ended by the engine clock), in
 * order, as finance would at each month end; prints the statements of the last two. Returns the closed months.
 */
async function closeMonths(dataSource: DataSource, api: string, key: string, last: string): Promise<string[]> {
  const [{ first }]: { first: string | null }[] = await dataSource.query('SELECT min(booked_period) AS first FROM ledger_entry');
  const months = first === null ? [] : periodsFrom(first, last);
  const closes: { period: string; statements: Statement[] }[] = [];
  const closing = new ProgressLines();
  for (const [i, period] of months.entries()) {
    closes.push(JSON.parse(await send('POST', `${api}/v1/periods/${period}/close`, key)));
    closing.tick(() => `demo: closed ${period} (${i + 1} of ${months.length})`);
  }
  closing.end(() => `demo: closed ${months.length} of ${months.length} months`);
  const [{ orders }]: { orders: number }[] = await dataSource.query('SELECT count(*)::int AS orders FROM payout_order WHERE period = ANY($1::text[])', [months]);
  step(`closed ${months.length} months in order (${months[0] ?? '-'} … ${months.at(-1) ?? '-'}): ${orders} payout orders created (statements pay what is available: closing − held)`);
  for (const { period, statements } of closes.slice(-2)) {
    console.log(`\nPayout statements ${period} (closed)`);
    console.table(statements.map((s) => ({
      partner: s.partnerId, currency: s.currency, opening: s.opening, net: s.net, closing: s.closing, held: s.held, available: s.available, payable: s.payable, carried: s.carried,
    })));
  }
  return months;
}

/**
 * Outcomes of the payout orders, as they come in a real month: finance marks the first half paid (with a transfer
 * reference), one payment fails, and the payment system reports one more on its topic. Then the partners' balances
 * and the orders by status.
 */
async function settlePayouts(dataSource: DataSource, api: string, key: string, closed: string[], now: number, publish: (message: ScenarioMessage) => Promise<void>): Promise<void> {
  // every order, in payoutId (period) order: the same choices on every run, so running the demo again changes nothing
  const orders: PayoutOrder[] = [];
  for (const period of closed) orders.push(...JSON.parse(await get(`${api}/v1/payout-orders?period=${period}`, key)).payoutOrders);
  if (orders.length < 3) return;
  const half = Math.floor(orders.length / 2);
  const outcome = (payoutId: string, path: 'paid' | 'failed', body: object) => send('POST', `${api}/v1/payout-orders/${encodeURIComponent(payoutId)}/${path}`, key, body);
  const paying = new ProgressLines();
  for (const [i, order] of orders.slice(0, half).entries()) {
    await outcome(order.payoutId, 'paid', { reference: `DEMO-TRF-${String(i + 1).padStart(4, '0')}` });
    paying.tick(() => `demo: marked ${i + 1} of ${half} payout orders paid`);
  }
  paying.end(() => `demo: marked ${half} of ${half} payout orders paid`);
  const failed = orders[half].payoutId;
  await outcome(failed, 'failed', { reason: 'beneficiary account closed' });
  const byTopic = orders[half + 1].payoutId;
  await publish(cloudEvents.payoutPaid({ payoutId: byTopic, time: new Date(now - 3_600_000).toISOString(), reference: 'PSP-77120', id: `demo-payout-paid-${byTopic}` }));
  const reported = orders[half + 1].period;
  const status = JSON.parse(await get(`${api}/v1/payout-orders?period=${reported}`, key)).payoutOrders.find((o: PayoutOrder) => o.payoutId === byTopic)?.status;
  step(`payouts: ${half} marked paid through the API, ${failed} failed (its amount returned to the partner's ledger), ${byTopic} ${status} from payments.payouts.v1`);

  const partners: { partner_id: string }[] = await dataSource.query('SELECT DISTINCT partner_id FROM ledger_entry ORDER BY 1');
  const rows = [];
  for (const { partner_id } of partners) {
    const balance = JSON.parse(await get(`${api}/v1/partners/${encodeURIComponent(partner_id)}/balance`, key));
    for (const b of balance.balances) rows.push({ partner: partner_id, currency: b.currency, earned: b.earned, held: b.held, pending: b.pending, paid: b.paid, failed: b.failed, available: b.available });
  }
  console.log(`\nPartner balances at ${new Date(now).toISOString()} (GET /v1/partners/{id}/balance)`);
  console.table(rows);
  const byStatus: { status: string; n: number }[] = await dataSource.query('SELECT status, count(*)::int AS n FROM payout_order GROUP BY 1 ORDER BY 1');
  console.log('Payout orders by status');
  console.table(byStatus.map((r) => ({ status: r.status, orders: r.n })));
}

/** Referrals and amounts by program version, the partners' standing, and one referral's explanation as text. */
async function printPrograms(dataSource: DataSource, api: string, key: string): Promise<void> {
  const bound: { program_id: string; program_version: number; status: string; n: number }[] = await dataSource.query(
    'SELECT program_id, program_version, status, count(*)::int AS n FROM referral GROUP BY 1, 2, 3 ORDER BY 1, 2, 3',
  );
  console.log('\nReferrals by program version');
  console.table(bound.map((r) => ({ program: `${r.program_id} v${r.program_version}`, status: r.status, referrals: r.n })));
  const earned: { program_id: string; program_version: number; currency: Currency; total: string }[] = await dataSource.query(
    `SELECT program_id, program_version, currency, sum(amount)::text AS total FROM ledger_entry WHERE program_id IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  );
  console.log('Amounts by program version');
  console.table(earned.map((r) => ({ program: `${r.program_id} v${r.program_version}`, currency: r.currency, earned: formatAmount(BigInt(r.total), r.currency) })));

  const partners: { partner_id: string }[] = await dataSource.query('SELECT DISTINCT partner_id FROM referral ORDER BY 1');
  const standings = await Promise.all(partners.map(async ({ partner_id }) => JSON.parse(await get(`${api}/v1/partners/${partner_id}`, key))));
  console.log('Partners');
  console.table(standings.map((p) => ({ partner: p.partnerId, state: p.state, group: p.group, since: p.since ?? '', terminatedAt: p.terminatedAt ?? '' })));

  // A referral with a story to tell: regional or group terms, a refund reversed, and the most ledger entries.
  const [example]: { referral_id: string }[] = await dataSource.query(
    `SELECT referral_id FROM ledger_entry WHERE referral_id IS NOT NULL GROUP BY referral_id
      ORDER BY bool_or(type = 'REFUND_REVERSAL') DESC, bool_or(program_id <> 'standard') DESC, count(*) DESC, referral_id LIMIT 1`,
  );
  if (example) {
    console.log(`Why ${example.referral_id} earned what it earned (GET /v1/referrals/${example.referral_id}/explanation?format=text)\n`);
    console.log(await get(`${api}/v1/referrals/${encodeURIComponent(example.referral_id)}/explanation?format=text`, key));
  }
}

/** The name of a contract topic as the sample stream writes it (partner.referrals.v1 and partner.accounts.v1 share a prefix). */
function topicName(topic: string): TopicName {
  const name = (Object.keys(TOPICS) as TopicName[]).find((n) => TOPICS[n] === topic);
  if (name === undefined) throw new Error(`${topic} is not a topic of the contract`);
  return name;
}

async function get(url: string, key: string): Promise<string> {
  return send('GET', url, key);
}

async function send(method: string, url: string, key: string, body?: object): Promise<string> {
  const headers: Record<string, string> = { Authorization: `Bearer ${key}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} → ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

function step(text: string): void {
  console.log(`demo: ${text}`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

main().catch((error) => {
  console.error(`demo failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
