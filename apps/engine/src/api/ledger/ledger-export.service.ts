import { Inject, Injectable } from '@nestjs/common';
import { Currency, formatAmount } from '@engine/domain';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../engine.tokens';
import { csvRecord } from '../common/csv';
import { writeWithBackPressure } from '../common/write-stream';
import { ExportFormat, } from './dtos/ledger-query.dto';
import { LEDGER_CSV_HEADER, LedgerEntryDto } from './dtos/ledger-entry.dto';
import { LedgerExportRepository, LedgerExportRow, LedgerFilter } from './ledger-export.repository';

export interface ExportResult {
  rows: number;
  /** false when the destination went away before the end */
  complete: boolean;
}

function csvLine(r: LedgerExportRow): string {
  return csvRecord([
    r.entry_id, r.booked_period, r.effective_period, r.partner_id, r.referral_id, r.customer_id, r.type,
    formatAmount(BigInt(r.amount), r.currency as Currency), r.currency, r.source_event_id, r.effective_at, r.created_at,
  ]);
}

function jsonEntry(r: LedgerExportRow): LedgerEntryDto {
  return {
    entryId: r.entry_id, bookedPeriod: r.booked_period, effectivePeriod: r.effective_period, partnerId: r.partner_id,
    referralId: r.referral_id, customerId: r.customer_id, type: r.type, amount: formatAmount(BigInt(r.amount), r.currency as Currency),
    currency: r.currency, sourceEventId: r.source_event_id, effectiveAt: r.effective_at, createdAt: r.created_at,
  };
}

/**
 * Streams the entries booked in a period to any writable (an HTTP response, a file) as CSV or a JSON array, one
 * cursor batch at a time, waiting for the destination to drain: memory stays flat for any ledger size.
 */
@Injectable()
export class LedgerExportService {
  private readonly repository: LedgerExportRepository;

  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {
    this.repository = new LedgerExportRepository(dataSource);
  }

  count(filter: LedgerFilter): Promise<number> {
    return this.repository.count(this.dataSource, filter);
  }

  async export(filter: LedgerFilter, format: ExportFormat, out: Writable, onProgress?: (rows: number) => void): Promise<ExportResult> {
    const csv = format === 'csv';
    let rows = 0;
    let complete = true;
    let chunk = csv ? `${LEDGER_CSV_HEADER}\r\n` : '[';
    for await (const batch of this.repository.rows(filter)) {
      for (const row of batch) {
        chunk += csv ? csvLine(row) : `${rows === 0 ? '' : ','}\n${JSON.stringify(jsonEntry(row))}`;
        rows++;
      }
      if (!(await writeWithBackPressure(out, chunk))) {
        complete = false;
        break;
      }
      chunk = '';
      onProgress?.(rows);
    }
    if (complete) {
      chunk += csv ? '' : rows === 0 ? ']\n' : '\n]\n';
      if (chunk !== '') complete = await writeWithBackPressure(out, chunk);
    }
    return { rows, complete };
  }
}
