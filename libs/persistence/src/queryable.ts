/** Anything that runs SQL: a TypeORM EntityManager or QueryRunner inside a transaction, or the DataSource. */
export interface Queryable {
  query<T = any>(sql: string, parameters?: unknown[]): Promise<T>;
}

/** Advisory lock keys (the rule state itself is locked through its version row, see lockRuleState). */
export const LOCKS = {
  outboxRelay: 727_200,
} as const;

/**
 * Takes the rule-state lock for the rest of the transaction and bumps the rule-state version, in one round trip:
 * the row lock of the single `rule_state_version` row is the lock (held until COMMIT or ROLLBACK), so every
 * writer of referral state, ledger entries or periods is serialised behind it. The returned version tells an
 * engine instance whether anyone else wrote since its own last commit (then its in-memory state is dropped).
 */
export async function lockRuleState(q: Queryable): Promise<bigint> {
  // (a CTE, so that TypeORM returns plain rows rather than [rows, count] for an UPDATE)
  const rows: { version: string }[] = await q.query(
    'WITH bumped AS (UPDATE rule_state_version SET version = version + 1 WHERE id = 1 RETURNING version) SELECT version::text FROM bumped',
  );
  return BigInt(rows[0].version);
}

/**
 * The transaction's own pg connection as a Queryable that keeps call order: each query is sent as soon as the
 * one before it completes, so queries issued without awaiting the previous one run back to back while the caller
 * prepares the next (TypeORM's query() awaits hooks of its own first, which would leave that order to microtask
 * scheduling; pg itself no longer wants to queue them). Rows come back as pg returns them; outside a connected
 * query runner it falls back to `manager`. `gate`: nothing is sent before it settles (the order stays the call order).
 */
export function directQueryable(manager: { queryRunner?: unknown } & Queryable, gate: Promise<unknown> = Promise.resolve()): Queryable {
  const connection = (manager.queryRunner as { databaseConnection?: { query(sql: string, parameters?: unknown[]): Promise<{ rows: any }> } } | undefined)
    ?.databaseConnection;
  if (!connection) return manager;
  let previous: Promise<unknown> = gate.catch(() => undefined);
  return {
    query: (sql, parameters) => {
      const result = previous.then(() => connection.query(sql, parameters)).then((r) => r.rows);
      previous = result.catch(() => undefined);
      return result;
    },
  };
}
