import { packValues, unpackValues } from './message-parser';

describe('packValues', () => {
  it('packs views of a large buffer into a buffer of their own and unpacks the same bytes, nulls kept', () => {
    const response = Buffer.from('xxxx{"a":1}yyyy{"b":"é"}zzzz'.repeat(1000)); // stands for a fetch response
    const values = [response.subarray(4, 11), null, response.subarray(15, 25), Buffer.alloc(0)];
    const packed = packValues(values);
    expect(packed.packed.buffer.byteLength).toBe(7 + 10); // only the values, not the whole response
    const unpacked = unpackValues(packed);
    expect(unpacked.map((v) => v?.toString('utf8') ?? null)).toEqual(['{"a":1}', null, '{"b":"é"}', '']);
  });

  it('never hands out the shared pool of small Buffers (it is transferred to the worker)', () => {
    const packed = packValues([Buffer.from('{}')]);
    expect(packed.packed.byteOffset).toBe(0);
    expect(packed.packed.buffer.byteLength).toBe(2);
  });
});
