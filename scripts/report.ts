import 'reflect-metadata';
import { Clock, count, loadConfig, ProgressLines, whileRunning } from '@engine/config';
import { isPeriod, MINIMUM_PAYOUTS } from '@engine/domain';
import { openMigratedDataSource } from '@engine/persistence';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { ApiException } from '../apps/engine/src/api/errors/api.exception';
import { LedgerExportService } from '../apps/engine/src/api/ledger/ledger-export.service';
import { payoutOrdersCsv } from '../apps/engine/src/api/payout-orders/dtos/payout-order.dto';
import { PayoutOrderService } from '../apps/engine/src/api/payout-orders/payout-order.service';
import { PayoutService } from '../apps/engine/src/api/payouts/payout.service';

/**
 * The finance team's monthly routine (CONTRACT §5), against the database of DATABASE_URL:
 *
 *   npm run report -- --period 2026-10 [--close] [--out dir]
 *
 * --close closes the period first (refused, exit 1, while the month has not ended by the engine clock — ENGINE_NOW
 * or the wall clock — or while an earlier period with entries is open). Then writes <out>/ledger-<period>.csv (the
 * entries booked in the period, streamed, with a progress bar on stderr: a line every 2 s when stderr is not a
 * terminal), <out>/payouts-<period>.csv (final
 * statements of a closed period, provisional ones of an open period) and <out>/payout-orders-<period>.csv (the payout
 * orders the period's close created, with their status; only the header while the period is open). Same bytes as the
 * HTTP API's CSV exports.
 * Files are written under a temporary name and renamed when complete. A step without a count (the close, the
 * statements, the payout orders) says on stderr every 5 s that it is still running.
 */
interface Options {
  period: string;
  close: boolean;
  out: string;
}

const USAGE = 'usage: npm run report -- --period YYYY-MM [--close] [--out dir]';

function parseOptions(argv: string[]): Options {
  const options: Partial<Options> = { close: false, out: '.' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--close') options.close = true;
    else if (arg === '--period' || arg === '--out') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value\n${USAGE}`);
      if (arg === '--period') options.period = value;
      else options.out = value;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (options.period === undefined) throw new Error(`--period is required\n${USAGE}`);
  if (!isPeriod(options.period)) throw new Error(`period must be YYYY-MM (got ${options.period})`);
  return options as Options;
}

/**
 * `[██████░░░░]  61%  612,000/1,000,000 rows` on stderr, redrawn at most every 100 ms on a terminal; elsewhere (a log,
 * CI) a line every 2 s: `ledger 2026-10: 612,000/1,000,000 rows (61%)`.
 */
export class ProgressBar {
  private lastDraw = 0;
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly lines = new ProgressLines();

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, force = false): void {
    if (!this.tty) return this.lines.tick(() => this.line(done));
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const ratio = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const width = 30;
    const filled = Math.round(ratio * width);
    process.stderr.write(
      `\r${this.label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ` +
        `${done.toLocaleString('en')}/${this.total.toLocaleString('en')} rows`,
    );
  }

  done(final: number): void {
    if (!this.tty) return this.lines.end(() => this.line(final));
    this.update(final, true);
    process.stderr.write('\n');
  }

  private line(done: number): string {
    return `${this.label}: ${count(done)}/${count(this.total)} rows (${this.total === 0 ? 100 : Math.floor((Math.min(done, this.total) / this.total) * 100)}%)`;
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const config = loadConfig();
  const dataSource = await openMigratedDataSource(config, 2);
  try {
    // The outbox rows a close writes (payout orders' PENDING events) are published by the engine's relay when it next polls.
    const clock = new Clock(config.engineNow);
    const relay = { kick: () => undefined };
    const payouts = new PayoutService(dataSource, clock, { minimumPayouts: MINIMUM_PAYOUTS }, config, relay);
    const payoutOrders = new PayoutOrderService(dataSource, clock, config, relay);
    const ledger = new LedgerExportService(dataSource);
    const { period } = options;

    if (options.close) {
      try {
        const closed = await whileRunning(`report: closing ${period}`, payouts.close(period));
        console.error(`period ${period} closed at ${closed.closedAt} (${closed.statements.length} statements)`);
      } catch (error) {
        if (error instanceof ApiException) {
          console.error(`period ${period} not closed: ${error.message}`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
    }

    const out = resolve(options.out);
    await mkdir(out, { recursive: true });

    const ledgerPath = join(out, `ledger-${period}.csv`);
    const filter = { period, partnerId: null };
    const total = await ledger.count(filter);
    const bar = new ProgressBar(`ledger ${period}`, total);
    const file = createWriteStream(`${ledgerPath}.partial`);
    const result = await ledger.export(filter, 'csv', file, (rows) => bar.update(rows));
    file.end();
    await finished(file);
    if (!result.complete) throw new Error(`could not write ${ledgerPath}`);
    await rename(`${ledgerPath}.partial`, ledgerPath);
    bar.done(result.rows);

    const payoutsPath = join(out, `payouts-${period}.csv`);
    const statements = await whileRunning(`report: statements of ${period}`, payouts.statements(period));
    await writeFile(`${payoutsPath}.partial`, PayoutService.csv(statements));
    await rename(`${payoutsPath}.partial`, payoutsPath);

    const ordersPath = join(out, `payout-orders-${period}.csv`);
    const orders = await whileRunning(`report: payout orders of ${period}`, payoutOrders.list({ period }));
    await writeFile(`${ordersPath}.partial`, payoutOrdersCsv(orders));
    await rename(`${ordersPath}.partial`, ordersPath);

    console.log(`${ledgerPath}: ${result.rows.toLocaleString('en')} ledger entries booked in ${period}`);
    console.log(
      `${payoutsPath}: ${statements.statements.length} ${statements.closed ? `final statements (closed ${statements.closedAt})` : 'provisional statements (period open)'}`,
    );
    console.log(`${ordersPath}: ${orders.payoutOrders.length} payout orders`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(`report failed: ${(error as Error).message ?? error}`);
  process.exit(2);
});
