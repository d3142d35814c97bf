import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@engine/config';
import { inputTopics, TOPICS, TopicName } from '@engine/contracts';
import { Currency, formatAmount } from '@engine/domain';
import { KafkaGateway } from '@engine/messaging';
import { pollUntil, publishMessages, repoRoot, sampleStream } from '@engine/testing';
import { DataSource } from 'typeorm';
import { createEngineApp, startEngineApp } from '../apps/engine/src/engine-app';
import { DATA_SOURCE } from '../apps/engine/src/engine.tokens';

/**
 * `npm run demo`: the engine on the local stack, a realistic sample stream, the monthly payout statements and
 * the ledger CSV. The engine keeps serving the API afterwards (Ctrl-C stops it; `-- --exit` stops right away).
 */
async function main(): Promise<void> {
  const exitWhenDone = process.argv.includes('--exit');
  const financeKey = 'demo-finance-key';
  const config = loadConfig({
    ...process.env,
    ENGINE_NOW: process.env.ENGINE_NOW ?? '2026-11-01T00:00:00Z',
    API_KEYS: process.env.API_KEYS ?? `${financeKey}:finance,demo-partner-key:partner:P-001`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    PROGRAMS_FILE: process.env.PROGRAMS_FILE ?? join(repoRoot(), 'programs', 'example.json'),
  });
  const key = config.apiKeys.split(',').find((item) => item.endsWith(':finance'))?.split(':')[0] ?? financeKey;
  step(`starting the engine (Kafka ${config.kafkaBrokers.join(',')}, ${redact(config.databaseUrl)}, clock ${new Date(config.engineNow!).toISOString()})`);
  const app = await createEngineApp(config);
  await startEngineApp(app, config.httpPort);
  const api = `http://localhost:${config.httpPort}`;

  const messages = sampleStream({ prospects: 300, seed: 2026, partnerFeed: true });
  step(`programs from ${config.programsFile} (regional terms, a gold partner group, a rate change from 2026-03-01); partner enrollment ${config.partnerEnrollment}`);
  step(`publishing ${messages.length} events (300 prospects, 6 partners of which P-002 gold, P-004 suspended for two months, P-006 terminated; every outcome; 10% of stories out of order)`);
  const kafka = new KafkaGateway({ brokers: config.kafkaBrokers, clientId: 'demo-publisher' });
  const started = Date.now();
  await publishMessages(kafka, messages.map((m) => ({ ...m, topic: config.topics[topicName(m.topic)] })));

  const dataSource = app.get<DataSource>(DATA_SOURCE);
  await pollUntil(async () => {
    const lag = await kafka.lag(config.groupId, inputTopics(config.topics));
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM outbox');
    return lag.every((l) => l.lag === 0) && n === 0;
  }, 180_000, 250, 'the engine to consume everything');
  step(`consumed, applied and published in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const statuses: { status: string; reason: string | null; n: number }[] = await dataSource.query(
    'SELECT status, reason, count(*)::int AS n FROM referral GROUP BY 1, 2 ORDER BY 1, 2',
  );
  console.log('\nReferrals by status');
  console.table(statuses.map((s) => ({ status: s.status, reason: s.reason ?? '', referrals: s.n })));

  await printPrograms(dataSource, api, key);

  const periods: { period: string }[] = await dataSource.query('SELECT DISTINCT booked_period AS period FROM ledger_entry ORDER BY 1');
  const outDir = join(repoRoot(), 'out', 'demo');
  mkdirSync(outDir, { recursive: true });
  let ledgerCsv = '';
  let payoutsCsv = '';
  for (const { period } of periods) {
    const payouts = await get(`${api}/v1/payouts?period=${period}`, key);
    const statements = JSON.parse(payouts) as { statements?: Record<string, unknown>[] } | Record<string, unknown>[];
    const rows = Array.isArray(statements) ? statements : statements.statements ?? [];
    console.log(`\nPayout statements ${period}${rows.some((r) => r.closed) ? '' : ' (provisional: period open)'}`);
    console.table(rows.map((r) => ({ partner: r.partnerId, currency: r.currency, opening: r.opening, net: r.net, closing: r.closing, payable: r.payable, carried: r.carried })));
    const ledger = await get(`${api}/v1/ledger?period=${period}&format=csv`, key);
    ledgerCsv += ledgerCsv ? ledger.slice(ledger.indexOf('\n') + 1) : ledger;
    const payoutCsv = await get(`${api}/v1/payouts?period=${period}&format=csv`, key);
    payoutsCsv += payoutsCsv ? payoutCsv.slice(payoutCsv.indexOf('\n') + 1) : payoutCsv;
  }
  writeFileSync(join(outDir, 'ledger.csv'), ledgerCsv);
  writeFileSync(join(outDir, 'payouts.csv'), payoutsCsv);
  step(`wrote ${join(outDir, 'ledger.csv')} (${ledgerCsv.split('\n').length - 2} entries) and ${join(outDir, 'payouts.csv')}`);

  console.log(`
The API is at ${api}  (OpenAPI: ${api}/docs, metrics: ${api}/metrics)
  finance key:  ${key}
  partner key:  demo-partner-key (partner P-001)   [set API_KEYS to choose your own]
  try:  curl -H 'Authorization: Bearer ${key}' '${api}/v1/payouts?period=${periods.at(-1)?.period ?? '2026-10'}'
        curl -H 'Authorization: Bearer demo-partner-key' '${api}/v1/partners/P-001/referrals?status=QUALIFIED'
`);
  await kafka.close();
  if (exitWhenDone) {
    await app.close();
    return;
  }
  step('the engine keeps running; Ctrl-C to stop');
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
  const response = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url} → ${response.status}: ${body.slice(0, 300)}`);
  return body;
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
