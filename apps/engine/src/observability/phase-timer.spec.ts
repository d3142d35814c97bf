import { PhaseTimer } from './phase-timer';

describe('PhaseTimer', () => {
  it('prints durations in ms and counts without a unit, summed per transaction', () => {
    const written: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      const t = new PhaseTimer(true, true);
      t.add('insert', 1.4);
      t.add('insert', 2.4);
      t.count('tx-messages', 4000);
      t.count('tx-messages', 700);
      t.transactionDone();
      expect(written).toHaveLength(1);
      expect(written[0]).toMatch(/^trace: insert=4ms\/2 tx-messages=4700\/2 \| rss=/);
    } finally {
      write.mockRestore();
    }
  });

  it('records nothing when disabled', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const t = new PhaseTimer(false, true);
      t.add('insert', 1);
      t.count('rows', 1);
      t.transactionDone();
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });
});
