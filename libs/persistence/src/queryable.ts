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

/** A statement queued on a transaction's connection after the work of that transaction had ended: never sent. */
export class TransactionEnded extends Error {
  constructor(sql: string) {
    super(`the transaction had ended before this statement was sent: ${sql.slice(0, 80)}`);
  }
}

/** A Queryable whose statements wait in a queue of ours; `close()` ends the queue (see runDirect). */
export interface DirectQueryable extends Queryable {
  close(): void;
}

/**
 * The transaction's own pg connection as a Queryable that keeps call order: each query is sent as soon as the
 * one before it completes, so queries issued without awaiting the previous one run back to back while the caller
 * prepares the next (TypeORM's query() awaits hooks of its own first, which would leave that order to microtask
 * scheduling; pg itself no longer wants to queue them). Rows come back as pg returns them; outside a connected
 * query runner it falls back to `manager`. `gate`: nothing is sent before it settles (the order stays the call order).
 * After `close()`, a statement not yet handed to the connection is never sent: it is rejected with TransactionEnded.
 * Use it through `runDirect`, which closes it when the transaction's work ends.
 */
export function directQueryable(manager: { queryRunner?: unknown } & Queryable, gate: Promise<unknown> = Promise.resolve()): DirectQueryable {
  const connection = (manager.queryRunner as { databaseConnection?: { query(sql: string, parameters?: unknown[]): Promise<{ rows: any }> } } | undefined)
    ?.databaseConnection;
  if (!connection) return { query: (sql, parameters) => manager.query(sql, parameters), close: () => undefined };
  let previous: Promise<unknown> = gate.catch(() => undefined);
  let closed = false;
  return {
    query: (sql, parameters) => {
      const result = previous
        .then(() => {
          if (closed) throw new TransactionEnded(sql);
          return connection.query(sql, parameters);
        })
        .then((r) => r.rows);
      previous = result.catch(() => undefined);
      return result;
    },
    close: () => {
      closed = true;
    },
  };
}

/**
 * Runs a transaction's work on `directQueryable(manager, gate)` and closes the queue when the work ends, before
 * TypeORM sends COMMIT or ROLLBACK. Without it, a statement still waiting in the queue when the work failed (behind
 * its gate, or behind the statement before it) would be sent AFTER the ROLLBACK, run on its own and commit outside
 * the transaction: events stored with none of their rule state (found by the rebalance fault test).
 */
export async function runDirect<T>(manager: { queryRunner?: unknown } & Queryable, work: (q: Queryable) => Promise<T>, gate?: Promise<unknown>): Promise<T> {
  const q = directQueryable(manager, gate);
  try {
    return await work(q);
  } finally {
    q.close();
  }
}

/**
 * Awaits statements queued back to back on one connection and throws the error of the first one that failed: the
 * statements after it fail only with 25P02 (the transaction is aborted), which says nothing about the cause.
 */
export async function queuedResults<T extends readonly unknown[]>(statements: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const settled = await Promise.allSettled(statements);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
