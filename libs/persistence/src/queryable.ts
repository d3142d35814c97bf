/** Anything that runs SQL: a TypeORM EntityManager or QueryRunner inside a transaction, or the DataSource. */
export interface Queryable {
  query<T = any>(sql: string, parameters?: unknown[]): Promise<T>;
}

/** Advisory lock keys. The engine serialises every write to the rule state behind one transaction lock. */
export const LOCKS = {
  ruleState: 727_100,
  outboxRelay: 727_200,
} as const;

export async function lockRuleState(q: Queryable): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.ruleState]);
}
