import { CopyRecordFramer } from './copy-record-framer';

function frame(chunks: string[], options: { quoted: boolean; leader: string; separator: string; terminator: string }, batchSize = 7): { text: string; records: number } {
  const out: Buffer[] = [];
  const framer = new CopyRecordFramer(options, (b) => out.push(Buffer.from(b)), batchSize);
  for (const c of chunks) framer.push(Buffer.from(c, 'utf8'));
  framer.flush();
  return { text: Buffer.concat(out).toString('utf8'), records: framer.records };
}

const CSV = { quoted: true, leader: '', separator: '', terminator: '\r\n' };
const JSON_LINES = { quoted: false, leader: '\n', separator: ',\n', terminator: '' };

describe('CopyRecordFramer', () => {
  it('ends CSV records with CRLF', () => {
    expect(frame(['a,b\n1,2\n'], CSV)).toEqual({ text: 'a,b\r\n1,2\r\n', records: 2 });
  });

  it('keeps line feeds inside quoted fields, and doubled quotes, whatever the chunking', () => {
    const input = 'id,name\n1,"two\nlines"\n2,"say ""hi""\n, ok"\n3,x\n';
    const expected = 'id,name\r\n1,"two\nlines"\r\n2,"say ""hi""\n, ok"\r\n3,x\r\n';
    for (let size = 1; size <= input.length; size++) {
      const chunks = input.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      expect(frame(chunks, CSV, size + 3)).toEqual({ text: expected, records: 4 });
    }
  });

  it('keeps multi-byte characters intact across batches', () => {
    expect(frame(['é,"ü\n"\n', '日本\n'], CSV, 3).text).toBe('é,"ü\n"\r\n日本\r\n');
  });

  it('separates JSON documents with commas', () => {
    expect(frame(['{"a":1}\n{"a', '":2}\n'], JSON_LINES)).toEqual({ text: '\n{"a":1},\n{"a":2}', records: 2 });
    expect(frame([], JSON_LINES)).toEqual({ text: '', records: 0 });
  });
});
