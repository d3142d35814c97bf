/**
 * Progress of a tool's long step (the demo, `npm run report`, `npm run bench`), for the person waiting on it: a line on
 * stderr at most every `everyMs` ("demo: applied 1,800/2,479 (lag 679)"), never a redrawn bar, so that logs and CI
 * keep it. A step that ends within `everyMs` prints nothing; one that printed a line ends with its last state.
 */
export class ProgressLines {
  private last = Date.now();
  private shown = false;

  constructor(
    private readonly everyMs = 2_000,
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** The line `line()` builds, when `everyMs` has passed since the last one (or the start). */
  tick(line: () => string): void {
    const now = Date.now();
    if (now - this.last < this.everyMs) return;
    this.last = now;
    this.shown = true;
    this.write(line());
  }

  /** The final state, when a line was printed before. */
  end(line: () => string): void {
    if (this.shown) this.write(line());
  }
}

/** While `work` runs, `<label> (N s)` every `everyMs`: a long step that has nothing to count. */
export async function whileRunning<T>(label: string, work: Promise<T>, everyMs = 5_000, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => write(`${label} (${Math.round((Date.now() - started) / 1000)} s)`), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** 2479 → "2,479" */
export const count = (n: number): string => n.toLocaleString('en');
