import { Clock } from '@engine/config';
import { emptyKeys, ReferralStateRepository, runDirect } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { RuleEngine } from '../ingest/rule-engine.service';

/**
 * Applies expiry to referrals whose deadline passed while no event arrived (CONTRACT §4, "Expiry"): the rules
 * are re-run for them at the current engine time, on the same path as events.
 */
export class ExpirySweep {
  private readonly referrals = new ReferralStateRepository();

  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: RuleEngine,
    private readonly clock: Clock,
    private readonly afterCommit: () => void,
    private readonly chunk = 500,
  ) {}

  /** Returns how many referrals were re-evaluated. */
  async run(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      // exclusively: never beside an ingest transaction, which may run on top of another (the working set is shared)
      const count = await this.rules.exclusively(async () => {
        let due: number;
        try {
          // (runDirect: recompute queues independent writes back to back)
          due = await this.dataSource.transaction((transaction) => runDirect(transaction, async (manager) => {
            await this.rules.enter(manager);
            const ids = await this.referrals.dueForExpiry(manager, now, this.chunk);
            if (ids.length === 0) return 0;
            const seeds = emptyKeys();
            for (const id of ids) seeds.referrals.add(id);
            await this.rules.recompute(manager, seeds, now);
            return ids.length;
          }));
        } catch (error) {
          this.rules.failed();
          throw error;
        }
        this.rules.committed();
        return due;
      });
      total += count;
      if (count > 0) this.afterCommit();
      if (count < this.chunk) return total;
    }
  }
}
