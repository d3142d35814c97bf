import 'reflect-metadata';
import { loadConfig } from '@engine/config';
import { parseRfc3339, Topics } from '@engine/contracts';
import { KafkaGateway, MessageProducer } from '@engine/messaging';
import { DeadLetterCoordinates, DeadLetterRepository, openMigratedDataSource, StoredDeadLetter } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { DeadLetterReplay, ReplaySelection } from '../apps/engine/src/dead-letters/dead-letter-replay';
import { coordinatesOf, DLQ_CODES, sinceInstant, sourceTopic, textOf } from '../apps/engine/src/dead-letters/dead-letter-view';
import { ParkedEvents } from '../apps/engine/src/ingest/parked-events';

/**
 * Dead letters and parked events, against DATABASE_URL, KAFKA_BROKERS and KAFKA_TOPIC_PREFIX (the engine's):
 *
 *   npm run dlq -- list [--topic T] [--code C] [--since T] [--limit N]
 *       the dead letters (coordinates, code, message, key and value), then the parked events waiting
 *   npm run dlq -- replay --topic T --offsets p:o[,p:o…] [--again]
 *   npm run dlq -- replay --code C [--topic T] [--since T] [--again]
 *       republish the chosen letters' original key and value to their source topic, once the reason they were refused
 *       is gone (a publisher's or our own bug, once fixed), and mark them replayed; letters replayed
 *       before are left out unless --again
 *   npm run dlq -- replay-parked
 *       republish the parked events (as `npm run parked -- retry`)
 *
 * A topic is a contract name (`partner.referrals.v1`, which stands for the engine's topic with KAFKA_TOPIC_PREFIX) or
 * a topic name as it is. Exit codes: 0 done, 1 nothing to replay, 2 bad arguments or failure.
 */
export const USAGE = [
  'usage: npm run dlq -- list [--topic T] [--code C] [--since RFC3339] [--limit N]',
  '       npm run dlq -- replay --topic T --offsets p:o[,p:o...] [--again]',
  '       npm run dlq -- replay --code C [--topic T] [--since RFC3339] [--again]',
  '       npm run dlq -- replay-parked',
].join('\n');

export class UsageError extends Error {}

export interface DlqContext {
  dataSource: DataSource;
  producer: () => Promise<MessageProducer>;
  /** the engine's topic names (KAFKA_TOPIC_PREFIX) */
  topics: Topics;
  out: (line: string) => void;
}

const FLAGS = new Set(['again']);
const OPTIONS: Record<string, readonly string[]> = {
  list: ['topic', 'code', 'since', 'limit'],
  replay: ['topic', 'offsets', 'code', 'since', 'again'],
  'replay-parked': [],
};

function parseOptions(command: string, args: string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : null;
    if (name === null || !OPTIONS[command].includes(name)) throw new UsageError(`${command}: unknown argument ${args[i]}`);
    if (options.has(name)) throw new UsageError(`${command}: --${name} given twice`);
    if (FLAGS.has(name)) options.set(name, 'true');
    else if (i + 1 >= args.length || args[i + 1].startsWith('--')) throw new UsageError(`${command}: --${name} needs a value`);
    else options.set(name, args[++i]);
  }
  return options;
}

function filterOf(options: Map<string, string>, topics: Topics): { topic: string | null; code: string | null; since: Date | null } {
  const code = options.get('code') ?? null;
  if (code !== null && !DLQ_CODES.includes(code)) throw new UsageError(`--code must be one of ${DLQ_CODES.join(', ')}`);
  const sinceText = options.get('since');
  const since = sinceText === undefined ? null : parseRfc3339(sinceText);
  if (since === null && sinceText !== undefined) throw new UsageError('--since must be an RFC 3339 timestamp');
  const topic = options.get('topic');
  return { topic: topic === undefined ? null : sourceTopic(topics, topic), code, since: since === null ? null : sinceInstant(since) };
}

function offsetsOf(topic: string, text: string): DeadLetterCoordinates[] {
  return text.split(',').map((item) => {
    const [partition, offset, ...rest] = item.trim().split(':');
    const at = rest.length === 0 && offset !== undefined ? coordinatesOf(topic, partition, offset) : null;
    if (at === null) throw new UsageError(`--offsets must be partition:offset pairs separated by commas (not ${JSON.stringify(item)})`);
    return at;
  });
}

const at = (c: DeadLetterCoordinates) => `${c.topic}/${c.partition}@${c.offset}`;

/** What a line can show of some bytes: the text (shortened), or how many bytes that are not UTF-8. */
function shown(bytes: Buffer | null, max = 200): string {
  if (bytes === null) return '(not kept)';
  const text = textOf(bytes);
  if (text === null) return `<${bytes.length} bytes, not UTF-8>`;
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

async function list(context: DlqContext, options: Map<string, string>): Promise<number> {
  const limitText = options.get('limit') ?? '1000';
  if (!/^\d{1,7}$/.test(limitText) || Number(limitText) < 1) throw new UsageError('--limit must be a positive integer');
  const limit = Number(limitText);
  const filter = filterOf(options, context.topics);
  const repository = new DeadLetterRepository();
  const letters: StoredDeadLetter[] = [];
  let after: DeadLetterCoordinates | null = null;
  for (;;) {
    const wanted = Math.min(500, limit + 1 - letters.length);
    const page = await repository.list(context.dataSource, { ...filter, after }, wanted);
    letters.push(...page);
    if (page.length < wanted || letters.length > limit) break;
    after = page[page.length - 1];
  }
  const more = letters.length > limit;
  context.out(`dead letters${more ? ` (the first ${limit}; --limit for more)` : ''}:`);
  for (const l of letters.slice(0, limit)) {
    context.out(`${l.receivedAt.toISOString()} ${at(l)} ${l.code}${l.replayedAt ? ` (replayed ${l.replayedAt.toISOString()})` : ''}: ${l.reason}`);
    context.out(`    key=${l.key === null ? '-' : shown(l.key, 80)} value=${shown(l.value)}`);
  }
  context.out(`${Math.min(letters.length, limit)} dead letter(s)`);

  const parked = await new ParkedEvents(context.dataSource, context.producer).list();
  context.out('');
  context.out('parked events waiting (npm run dlq -- replay-parked):');
  for (const p of parked) {
    context.out(`${p.parkedAt.toISOString()} ${p.topic}/${p.partition}@${p.offset} ${p.source ?? '-'} ${p.eventId ?? '-'} attempts=${p.attempts} ${p.errorCode ?? ''}: ${p.errorMessage}`);
  }
  context.out(`${parked.length} parked event(s) waiting`);
  return 0;
}

async function replay(context: DlqContext, options: Map<string, string>): Promise<number> {
  let selection: ReplaySelection;
  const offsets = options.get('offsets');
  if (offsets !== undefined) {
    if (options.has('code') || options.has('since')) throw new UsageError('replay: --offsets names the letters: give no --code or --since with it');
    const topic = options.get('topic');
    if (topic === undefined) throw new UsageError('replay: --offsets needs --topic');
    selection = { at: offsetsOf(sourceTopic(context.topics, topic), offsets) };
  } else if (options.has('code')) {
    const filter = filterOf(options, context.topics);
    selection = { filter: { ...filter, code: filter.code! } };
  } else {
    throw new UsageError('replay: choose the letters with --topic T --offsets p:o,… or with --code C');
  }
  const outcome = await new DeadLetterReplay(context.dataSource, context.producer).replay(selection, options.has('again'));
  context.out(`republished ${outcome.republished.length} dead letter(s) to their source topics${outcome.republished.length ? `: ${outcome.republished.map(at).join(', ')}` : ''}`);
  if (outcome.alreadyReplayed.length > 0) context.out(`left out, replayed before (--again to replay them again): ${outcome.alreadyReplayed.map(at).join(', ')}`);
  if (outcome.withoutBytes.length > 0) context.out(`left out, recorded before the engine kept the bytes (they are on the DLQ topic only): ${outcome.withoutBytes.map(at).join(', ')}`);
  if (outcome.keyNotText.length > 0) context.out(`left out, a key that is not UTF-8 cannot be republished byte for byte: ${outcome.keyNotText.map(at).join(', ')}`);
  if (outcome.missing.length > 0) context.out(`no dead letter at: ${outcome.missing.map(at).join(', ')}`);
  return outcome.republished.length > 0 ? 0 : 1;
}

/** The command and its options; bad arguments throw UsageError. */
export function parseCommand(args: string[]): { command: string; options: Map<string, string> } {
  const [command, ...rest] = args;
  if (command === undefined || !Object.hasOwn(OPTIONS, command)) throw new UsageError(USAGE);
  return { command, options: parseOptions(command, rest) };
}

/** Runs one command; returns the exit code. Bad arguments throw UsageError. */
export async function runDlq(args: string[], context: DlqContext): Promise<number> {
  const { command, options } = parseCommand(args);
  if (command === 'list') return list(context, options);
  if (command === 'replay') return replay(context, options);
  context.out(`republished ${await new ParkedEvents(context.dataSource, context.producer).retry()} parked event(s) to their source topics`);
  return 0;
}

async function main(): Promise<number> {
  parseCommand(process.argv.slice(2)); // bad arguments stop here, before any connection
  const config = loadConfig();
  const dataSource = await openMigratedDataSource(config);
  const kafka = new KafkaGateway({ brokers: config.kafkaBrokers, clientId: 'commission-engine-dlq' });
  try {
    return await runDlq(process.argv.slice(2), { dataSource, producer: () => kafka.getProducer(), topics: config.topics, out: (line) => console.log(line) });
  } finally {
    await kafka.close();
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(error instanceof UsageError ? error.message : `dlq: ${(error as Error).message}`);
      process.exit(2);
    },
  );
}
