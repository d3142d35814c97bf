import { topicNames } from '@engine/contracts';
import { STANDARD_PROGRAM } from '@engine/domain';
import { Queryable } from '@engine/persistence';
import { RuleEngine, StaleWorkingSet } from './rule-engine.service';

/** A connection whose rule-state lock answers the given versions, one per call. */
function lockAnswering(...versions: number[]): Queryable {
  return { query: async () => [{ version: String(versions.shift()) }] } as Queryable;
}

describe('RuleEngine: a transaction on top of the one in flight', () => {
  const engine = () => new RuleEngine(STANDARD_PROGRAM, topicNames(''));

  it('cannot begin with nothing in flight', () => {
    expect(() => engine().enterSpeculatively(lockAnswering(1))).toThrow(StaleWorkingSet);
  });

  it('confirms only the version after the one in flight', async () => {
    const rules = engine();
    await rules.enter(lockAnswering(1));
    rules.committed();
    await rules.enter(lockAnswering(2)); // in flight
    await expect(rules.enterSpeculatively(lockAnswering(3)).confirm()).resolves.toBeUndefined();

    const other = engine();
    await other.enter(lockAnswering(1));
    other.committed();
    await other.enter(lockAnswering(2));
    await expect(other.enterSpeculatively(lockAnswering(4)).confirm()).rejects.toThrow(StaleWorkingSet); // 3 was someone else's
  });

  it('runs an exclusive transaction (the expiry sweep) only with no ingest transaction in flight, and admits none meanwhile', async () => {
    const rules = engine();
    const order: string[] = [];
    await rules.admit();
    order.push('ingest 1 in');
    const sweep = rules.exclusively(async () => {
      order.push('sweep');
      expect(rules.canSpeculate()).toBe(false);
    });
    const second = rules.admit().then(() => order.push('ingest 2 in'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual(['ingest 1 in']); // the sweep waits for ingest 1; ingest 2 waits for the sweep
    rules.leave();
    await sweep;
    await second;
    expect(order).toEqual(['ingest 1 in', 'sweep', 'ingest 2 in']);
    rules.leave();
  });
});
