/** The engine's clock: ENGINE_NOW when set (tests, replays), else the wall clock. The domain never reads it itself. */
export class Clock {
  constructor(private readonly frozen: number | null) {}

  now(): number {
    return this.frozen ?? Date.now();
  }

  get isFrozen(): boolean {
    return this.frozen !== null;
  }
}
