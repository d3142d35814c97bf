import { count, ProgressLines, whileRunning } from './progress-lines';

describe('ProgressLines', () => {
  afterEach(() => jest.useRealTimers());

  it('prints at most one line every interval, building it only then, and the last state once it printed any', () => {
    jest.useFakeTimers({ now: 0 });
    const lines: string[] = [];
    const progress = new ProgressLines(2_000, (line) => lines.push(line));
    let built = 0;
    const at = (ms: number, done: number) => {
      jest.setSystemTime(ms);
      progress.tick(() => (built++, `published ${count(done)}/${count(2479)}`));
    };
    at(500, 100);
    at(1_999, 900);
    at(2_000, 1_200);
    at(3_000, 1_800);
    at(4_100, 2_400);
    progress.end(() => 'published 2,479/2,479');
    expect(lines).toEqual(['published 1,200/2,479', 'published 2,400/2,479', 'published 2,479/2,479']);
    expect(built).toBe(2);
  });

  it('a step that ends within the interval prints nothing', () => {
    const lines: string[] = [];
    const progress = new ProgressLines(60_000, (line) => lines.push(line));
    progress.tick(() => 'applied 10/10');
    progress.end(() => 'applied 10/10');
    expect(lines).toEqual([]);
  });

  it('whileRunning: a line every interval while the work runs, none after', async () => {
    const lines: string[] = [];
    let finish: (value: string) => void = () => undefined;
    const work = whileRunning('report: closing 2026-10', new Promise<string>((resolve) => (finish = resolve)), 20, (line) => lines.push(line));
    await new Promise((resolve) => setTimeout(resolve, 70));
    finish('closed');
    expect(await work).toBe('closed');
    const printed = lines.length;
    expect(printed).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/^report: closing 2026-10 \(\d+ s\)$/);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(lines).toHaveLength(printed);
  });
});
