import { ApplyEvents } from '../ingest/apply-events.use-case';

/**
 * Applies expiry to referrals whose deadline passed while no event arrived (CONTRACT §4, "Expiry"): the rules are
 * re-run for them at the current engine time, in chunks, on the same use case as events.
 */
export class ExpirySweep {
  constructor(
    private readonly applyEvents: ApplyEvents,
    private readonly afterCommit: () => void,
    private readonly chunk = 500,
  ) {}

  /** Returns how many referrals were re-evaluated. */
  async run(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.applyEvents.expireDue(this.chunk);
      total += count;
      if (count > 0) this.afterCommit();
      if (count < this.chunk) return total;
    }
  }
}
