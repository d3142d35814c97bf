import { directQueryable, Queryable, runDirect, TransactionEnded } from './queryable';

/** A transaction's pg connection that records when each statement is sent and answers it at once. */
function recordingConnection() {
  const sent: string[] = [];
  const manager = {
    queryRunner: { databaseConnection: { query: async (sql: string) => (sent.push(sql), { rows: [{ sql }] }) } },
    query: async () => [],
  } as unknown as { queryRunner?: unknown } & Queryable;
  return { sent, manager };
}

describe('directQueryable', () => {
  it('sends statements one after the other, in call order', async () => {
    const { sent, manager } = recordingConnection();
    const q = directQueryable(manager);
    const results = await Promise.all([q.query('A'), q.query('B'), q.query('C')]);
    expect(sent).toEqual(['A', 'B', 'C']);
    expect(results).toEqual([[{ sql: 'A' }], [{ sql: 'B' }], [{ sql: 'C' }]]);
  });

  it('sends nothing before its gate settles, then everything in call order (a rejected gate opens it too)', async () => {
    for (const outcome of ['resolve', 'reject'] as const) {
      const { sent, manager } = recordingConnection();
      let open!: () => void;
      let fail!: () => void;
      const gate = new Promise<void>((resolve, reject) => ((open = resolve), (fail = () => reject(new Error('ended')))));
      const q = directQueryable(manager, gate);
      const done = Promise.all([q.query('LOCK'), q.query('INSERT')]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(sent).toEqual([]);
      if (outcome === 'resolve') open();
      else fail();
      await done;
      expect(sent).toEqual(['LOCK', 'INSERT']);
    }
  });

  it('after close(), sends nothing that was still queued: it is rejected with TransactionEnded', async () => {
    const { sent, manager } = recordingConnection();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let queued: Promise<unknown>[] = [];
    await expect(
      runDirect(manager, async (q) => {
        queued = [q.query('LOCK'), q.query('INSERT')];
        for (const p of queued) p.catch(() => undefined);
        throw new Error('failed before the gate opened');
      }, gate),
    ).rejects.toThrow('failed before the gate opened');
    open();
    for (const p of queued) await expect(p).rejects.toBeInstanceOf(TransactionEnded);
    expect(sent).toEqual([]);
  });
});
