import { Anomaly } from '@engine/domain';
import { Queryable } from '../queryable';

/** Events the rules ignore (a repeated invoice line, a refund in the wrong currency...), kept for publishers. */
export class AnomalyRepository {
  async record(q: Queryable, anomalies: Anomaly[]): Promise<void> {
    if (anomalies.length === 0) return;
    await q.query(
      `INSERT INTO anomaly (source, event_id, code, customer_id, referral_id, detail)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       ON CONFLICT DO NOTHING`,
      [
        anomalies.map((a) => a.source), anomalies.map((a) => a.eventId), anomalies.map((a) => a.code),
        anomalies.map((a) => a.customerId), anomalies.map((a) => a.referralId), anomalies.map((a) => a.detail),
      ],
    );
  }
}
