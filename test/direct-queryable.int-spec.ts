import { openMigratedDataSource, runDirect, TransactionEnded } from '@engine/persistence';
import { dropDatabase, testDatabaseUrl } from '@engine/testing';
import { DataSource } from 'typeorm';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A transaction's queued statements never outlive it. A statement still waiting in the queue when the transaction's
 * work failed (behind a gate, or behind a failing statement) must never be sent: sent after TypeORM's ROLLBACK, it
 * would run on its own and commit, and events would be stored with none of their rule state.
 */
describe('runDirect on the real PostgreSQL', () => {
  const url = testDatabaseUrl('direct');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openMigratedDataSource(url, 2);
    await dataSource.query('CREATE TABLE probe (id int PRIMARY KEY)');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(url);
  });

  const count = async () => Number((await dataSource.query('SELECT count(*)::int AS n FROM probe'))[0].n);

  it('never sends a statement still waiting behind its gate when the work fails, not even after the ROLLBACK', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let queued: Promise<unknown> | undefined;
    const failing = dataSource.transaction((transaction) =>
      runDirect(transaction, async (q) => {
        queued = q.query('INSERT INTO probe (id) VALUES (1)');
        queued.catch(() => undefined);
        throw new Error('the work failed before its gate opened');
      }, gate),
    );
    await expect(failing).rejects.toThrow('the work failed before its gate opened');
    open(); // the transaction has rolled back and its connection is back in the pool
    await expect(queued).rejects.toBeInstanceOf(TransactionEnded);
    await sleep(50);
    expect(await count()).toBe(0);
  });

  it('never sends the statements queued behind one that fails', async () => {
    const failing = dataSource.transaction((transaction) =>
      runDirect(transaction, async (q) => {
        const bad = q.query('INSERT INTO probe (id) VALUES (NULL)'); // not null: refused
        const after = q.query('INSERT INTO probe (id) VALUES (2)');
        after.catch(() => undefined);
        await bad; // the work fails here, while the second insert may still wait in the queue
      }),
    );
    await expect(failing).rejects.toThrow(/null/);
    await sleep(50);
    expect(await count()).toBe(0);
  });

  it('commits what a successful work queued, in call order', async () => {
    await dataSource.transaction((transaction) =>
      runDirect(transaction, async (q) => {
        await Promise.all([q.query('INSERT INTO probe (id) VALUES (3)'), q.query('INSERT INTO probe (id) VALUES (4)'), q.query('DELETE FROM probe WHERE id = 3')]);
      }),
    );
    expect((await dataSource.query('SELECT id FROM probe ORDER BY id')).map((r: { id: number }) => r.id)).toEqual([4]);
  });
});
