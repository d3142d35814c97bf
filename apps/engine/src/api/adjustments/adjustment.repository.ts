import { Queryable } from '@engine/persistence';

export interface StoredAdjustmentRequest {
  requestHash: string;
  entryId: string;
}

/** An adjustment as stored: its ledger entry (amount in minor units) and the request that posted it. */
export interface AdjustmentRow {
  entry_id: string;
  partner_id: string;
  referral_id: string | null;
  customer_id: string | null;
  type: string;
  amount: string;
  currency: string;
  source_event_id: string | null;
  effective_at: Date;
  effective_period: string;
  booked_period: string;
  created_at: Date;
  program_id: string | null;
  program_version: number | null;
  release_at: Date;
  idempotency_key: string;
  reason: string;
}

/** Idempotency records of POST /v1/adjustments (the entries themselves go through LedgerRepository). */
export class AdjustmentRepository {
  async findRequest(q: Queryable, idempotencyKey: string): Promise<StoredAdjustmentRequest | null> {
    const rows: { request_hash: string; entry_id: string }[] = await q.query(
      'SELECT request_hash, entry_id::text FROM adjustment_request WHERE idempotency_key = $1',
      [idempotencyKey],
    );
    return rows[0] ? { requestHash: rows[0].request_hash, entryId: rows[0].entry_id } : null;
  }

  async insertRequest(q: Queryable, idempotencyKey: string, requestHash: string, entryId: string, reason: string): Promise<void> {
    await q.query('INSERT INTO adjustment_request (idempotency_key, request_hash, entry_id, reason) VALUES ($1, $2, $3::int8, $4)', [
      idempotencyKey, requestHash, entryId, reason,
    ]);
  }

  async load(q: Queryable, entryId: string): Promise<AdjustmentRow | null> {
    const rows: AdjustmentRow[] = await q.query(
      `SELECT l.entry_id::text, l.partner_id, l.referral_id, l.customer_id, l.type, l.amount::text, l.currency, l.source_event_id,
              l.effective_at, l.effective_period, l.booked_period, l.created_at, l.program_id, l.program_version, l.release_at,
              r.idempotency_key, r.reason
         FROM ledger_entry l JOIN adjustment_request r ON r.entry_id = l.entry_id
        WHERE l.entry_id = $1::int8`,
      [entryId],
    );
    return rows[0] ?? null;
  }

  /** The partner and customer of a referral, or null when the engine does not know it. */
  async referral(q: Queryable, referralId: string): Promise<{ partnerId: string; customerId: string | null; programId: string; programVersion: number } | null> {
    const rows: { partner_id: string; customer_id: string | null; program_id: string; program_version: number }[] = await q.query(
      'SELECT partner_id, customer_id, program_id, program_version FROM referral WHERE referral_id = $1',
      [referralId],
    );
    const row = rows[0];
    return row ? { partnerId: row.partner_id, customerId: row.customer_id, programId: row.program_id, programVersion: row.program_version } : null;
  }
}
