import { getHeapStatistics } from 'node:v8';
import { HeapGovernor } from './heap-governor';

describe('HeapGovernor', () => {
  it('runs a full collection when the used heap is past the soft limit, and frees what is garbage', () => {
    const governor = new HeapGovernor(1); // 1 byte: always past it
    let garbage: string[] | null = Array.from({ length: 200_000 }, (_, i) => `garbage-${i}-${'x'.repeat(20)}`);
    const withGarbage = getHeapStatistics().used_heap_size;
    garbage = null;
    expect(governor.check()).toBe(true);
    expect(governor.collections).toBe(1);
    expect(garbage).toBeNull();
    expect(getHeapStatistics().used_heap_size).toBeLessThan(withGarbage - 5 * 2 ** 20);
  });

  it('does nothing below the soft limit, or when off (0)', () => {
    const roomy = new HeapGovernor(64 * 2 ** 30);
    const off = new HeapGovernor(0);
    expect(roomy.check()).toBe(false);
    expect(off.check()).toBe(false);
    expect(roomy.collections + off.collections).toBe(0);
  });
});
