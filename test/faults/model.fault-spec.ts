import fc from 'fast-check';
import { parseMessage } from '@engine/contracts';
import { eventKey, InputEvent } from '@engine/domain';
import { sampleStream, ScenarioMessage, seededRandom, shuffled } from '@engine/testing';
import { EngineProcess } from './support/engine-process';
import { FaultContext } from './support/fault-context';
import { faultSeed, recordOutcome } from './support/outcomes';
import { compareLedger, compareOutputs, expectationOf } from './support/reference';

/**
 * Model-based: fast-check generates sequences of publish / duplicate / reorder / crash (SIGKILL) / restart
 * commands and runs them against the real engine process on the real broker and database. The model is the set
 * of valid events published so far; after each sequence the engine is brought up, drained, and its statuses and
 * ledger are compared with the pure `evaluate()` over the model's set (and its outputs with its ledger).
 */
interface Model {
  /** next message of the pool to publish */
  cursor: number;
  engineUp: boolean;
  events: Map<string, InputEvent>;
}

interface Real {
  context: FaultContext;
  engine: EngineProcess;
  pool: ScenarioMessage[];
  log: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function remember(model: Model, messages: ScenarioMessage[]): void {
  for (const m of messages) {
    const { event } = parseMessage(m.topic, m.value);
    model.events.set(eventKey(event), event);
  }
}

/** Publishes the next `count` messages of the pool, in order. */
class Publish implements fc.AsyncCommand<Model, Real> {
  constructor(readonly count: number) {}
  check = (m: Readonly<Model>) => m.cursor < Number.MAX_SAFE_INTEGER;
  async run(m: Model, r: Real): Promise<void> {
    const next = r.pool.slice(m.cursor, m.cursor + this.count);
    m.cursor += next.length;
    await r.context.publish(next);
    remember(m, next);
    r.log.push(this.toString());
  }
  toString = () => `publish(${this.count})`;
}

/** Publishes the next `count` messages shuffled (late events, partitions interleaving differently). */
class Reorder implements fc.AsyncCommand<Model, Real> {
  constructor(readonly count: number, readonly seed: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const next = r.pool.slice(m.cursor, m.cursor + this.count);
    m.cursor += next.length;
    await r.context.publish(shuffled(next, seededRandom(this.seed)));
    remember(m, next);
    r.log.push(this.toString());
  }
  toString = () => `reorder(${this.count}, seed ${this.seed})`;
}

/** Publishes `count` already published messages again (exact redeliveries). */
class Duplicate implements fc.AsyncCommand<Model, Real> {
  constructor(readonly count: number, readonly seed: number) {}
  check = (m: Readonly<Model>) => m.cursor > 0;
  async run(m: Model, r: Real): Promise<void> {
    await r.context.publish(shuffled(r.pool.slice(0, m.cursor), seededRandom(this.seed)).slice(0, this.count));
    r.log.push(this.toString());
  }
  toString = () => `duplicate(${this.count}, seed ${this.seed})`;
}

/** SIGKILL the engine, after letting it work for a moment. */
class Crash implements fc.AsyncCommand<Model, Real> {
  constructor(readonly afterMs: number) {}
  check = (m: Readonly<Model>) => m.engineUp;
  async run(m: Model, r: Real): Promise<void> {
    await sleep(this.afterMs);
    await r.engine.kill();
    m.engineUp = false;
    r.log.push(`${this.toString()} [stored ${await r.context.storedEvents()}]`);
  }
  toString = () => `crash(after ${this.afterMs} ms)`;
}

class Restart implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => !m.engineUp;
  async run(m: Model, r: Real): Promise<void> {
    await r.engine.start();
    m.engineUp = true;
    r.log.push(this.toString());
  }
  toString = () => 'restart';
}

describe('model-based: random publish / duplicate / reorder / crash / restart sequences', () => {
  const seed = faultSeed();
  const NUM_RUNS = Number(process.env.MODEL_RUNS ?? 5);

  it(`converges to evaluate() of the published set (${NUM_RUNS} runs)`, async () => {
    const runs: Record<string, unknown>[] = [];
    let run = 0;
    const commands = fc.commands(
      [
        fc.integer({ min: 20, max: 300 }).map((n) => new Publish(n)),
        fc.tuple(fc.integer({ min: 20, max: 300 }), fc.integer()).map(([n, s]) => new Reorder(n, s)),
        fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer()).map(([n, s]) => new Duplicate(n, s)),
        fc.integer({ min: 0, max: 1500 }).map((ms) => new Crash(ms)),
        fc.constant(new Restart()),
      ],
      { maxCommands: 12, size: 'medium' },
    );
    try {
      await fc.assert(
      fc.asyncProperty(fc.integer({ min: 50, max: 400 }), commands, async (initial, cmds) => {
        run++;
        const context = await FaultContext.create({ label: `model${run}` });
        const engine = context.engine('engine');
        const pool = sampleStream({ seed: (seed + run) % 100_000, prospects: 150, idPrefix: `m${seed.toString(36)}r${run}`, outOfOrderShare: 0.2 });
        const real: Real = { context, engine, pool, log: [] };
        const model: Model = { cursor: 0, engineUp: true, events: new Map() };
        try {
          await engine.start();
          await new Publish(initial).run(model, real); // every sequence starts with some load
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          if (!engine.alive) await engine.start();
          await context.settled(240_000);
          const expectation = expectationOf([...model.events.values()], context.now);
          const ledger = await compareLedger(context, expectation);
          const outputs = await compareOutputs(context);
          runs.push({
            run, commands: real.log, publishedEvents: model.events.size, referrals: ledger.referrals, ledgerEntries: ledger.entries,
            kills: engine.exits.filter((e) => e === 'SIGKILL').length, accruedRepublished: outputs.accruedRepublished,
            verdict: ledger.differences.length + outputs.differences.length === 0 ? 'identical' : 'DIFFERENT',
            differences: [...ledger.differences, ...outputs.differences].slice(0, 10),
          });
          expect(ledger.differences.slice(0, 20)).toEqual([]);
          expect(outputs.differences.slice(0, 20)).toEqual([]);
        } finally {
          await context.dispose();
        }
      }),
      { numRuns: NUM_RUNS, seed, endOnFailure: true },
      );
    } finally {
      recordOutcome('model-based', { seed, runs: runs.length, outcomes: runs });
    }
  });
});
