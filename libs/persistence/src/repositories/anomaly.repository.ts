import { Anomaly } from '@engine/domain';
import { fromRecordset } from '../bulk';
import { Queryable } from '../queryable';

/** Events the rules ignore (a repeated invoice line, a refund in the wrong currency...), kept for publishers. */
export class AnomalyRepository {
  async record(q: Queryable, anomalies: Anomaly[]): Promise<void> {
    if (anomalies.length === 0) return;
    await q.query(
      `INSERT INTO anomaly (source, event_id, code, customer_id, referral_id, detail)
       ${fromRecordset([['source', 'text'], ['event_id', 'text'], ['code', 'text'], ['customer_id', 'text'], ['referral_id', 'text'], ['detail', 'text']])}
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(anomalies.map((a) => ({ source: a.source, event_id: a.eventId, code: a.code, customer_id: a.customerId, referral_id: a.referralId, detail: a.detail })))],
    );
  }
}
