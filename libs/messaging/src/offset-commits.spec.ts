import { CoalescedOffsetCommits } from './offset-commits';
import { PartitionOffset } from './message';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedOffsetCommits', () => {
  it('commits the offsets added in one turn as one request, the highest per partition', async () => {
    const requests: PartitionOffset[][] = [];
    const commits = new CoalescedOffsetCommits(async (offsets) => void requests.push(offsets));
    commits.add('t', 0, '10');
    commits.add('t', 1, '7');
    commits.add('t', 0, '12');
    commits.add('t', 0, '11'); // an older batch's commit, resolved late: not a step back
    commits.add('u', 0, '3');
    expect(requests).toEqual([]); // not before the turn ends
    await turn();
    await turn();
    expect(requests).toEqual([[{ topic: 't', partition: 0, offset: '12' }, { topic: 't', partition: 1, offset: '7' }, { topic: 'u', partition: 0, offset: '3' }]]);
  });

  it('sends one request at a time: offsets added during a commit go in the next one, in order', async () => {
    const requests: PartitionOffset[][] = [];
    let release: () => void = () => undefined;
    const commits = new CoalescedOffsetCommits(async (offsets) => {
      requests.push(offsets);
      if (requests.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    commits.add('t', 0, '5');
    await turn();
    expect(requests).toHaveLength(1);
    commits.add('t', 0, '9');
    commits.add('t', 0, '8');
    await turn();
    expect(requests).toHaveLength(1); // the first is still in flight
    release();
    await turn();
    await turn();
    expect(requests).toEqual([[{ topic: 't', partition: 0, offset: '5' }], [{ topic: 't', partition: 0, offset: '9' }]]);
  });

  it('reports a failed commit and goes on with the next offsets', async () => {
    const errors: unknown[] = [];
    const requests: PartitionOffset[][] = [];
    let fail = true;
    const commits = new CoalescedOffsetCommits(async (offsets) => {
      if (fail) {
        fail = false;
        throw new Error('NOT_COORDINATOR');
      }
      requests.push(offsets);
    }, (error) => errors.push(error));
    commits.add('t', 0, '5');
    await turn();
    await turn();
    expect(errors).toHaveLength(1);
    commits.add('t', 0, '6');
    await turn();
    await turn();
    expect(requests).toEqual([[{ topic: 't', partition: 0, offset: '6' }]]);
  });

  it('asks whether the partition is still owned when the request is made, not when the offset was added', async () => {
    const requests: PartitionOffset[][] = [];
    const commits = new CoalescedOffsetCommits(async (offsets) => void requests.push(offsets));
    let owned = true;
    commits.add('t', 0, '5', () => owned);
    commits.add('t', 1, '4');
    owned = false; // revoked by a rebalance before the turn ended
    await turn();
    await turn();
    expect(requests).toEqual([[{ topic: 't', partition: 1, offset: '4' }]]);

    owned = false;
    commits.add('t', 0, '6', () => owned);
    await turn();
    await turn();
    expect(requests).toHaveLength(1); // nothing left to commit: no empty request
  });

  it('flushed() resolves once every offset added so far was committed, including the ones added during a commit', async () => {
    const requests: PartitionOffset[][] = [];
    let release: () => void = () => undefined;
    const commits = new CoalescedOffsetCommits(async (offsets) => {
      requests.push(offsets);
      if (requests.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    await commits.flushed(); // nothing added: at once
    commits.add('t', 0, '5');
    let done = false;
    const flushed = commits.flushed().then(() => (done = true));
    await turn();
    commits.add('t', 1, '3'); // during the first request
    expect(commits.uncommitted).toBe(2);
    await turn();
    expect(done).toBe(false);
    release();
    await flushed;
    expect(requests).toEqual([[{ topic: 't', partition: 0, offset: '5' }], [{ topic: 't', partition: 1, offset: '3' }]]);
    expect(commits.uncommitted).toBe(0);
  });
});
