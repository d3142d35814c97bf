import { csvField, csvRecord, csvText, neutraliseFormula } from './csv';

describe('csv (RFC 4180)', () => {
  it('leaves plain fields alone and writes null as an empty field', () => {
    expect(csvRecord(['1', '2026-10', null, -12.5, true, undefined])).toBe('1,2026-10,,-12.5,true,\r\n');
  });

  it('quotes fields with commas, quotes, CR or LF and doubles the quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(' spaced ')).toBe(' spaced ');
  });
});

describe('csv formula injection (OWASP)', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['@SUM(1)', "'@SUM(1)"],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', `"'\rCR"`],
    ['=1,2', `"'=1,2"`],
  ])('neutralises a text cell starting with a trigger: %j → %s', (text, written) => {
    expect(csvField(csvText(text))).toBe(written);
  });

  it('leaves text that does not start with a trigger, and null text, as it is', () => {
    for (const text of ['P-001', 'a=b', 'x@y', ' =1', "'=1", '', '1-2', 'C-2,"beta"']) expect(neutraliseFormula(text)).toBe(text);
    expect(csvField(csvText('C-2,"beta"'))).toBe('"C-2,""beta"""');
    expect(csvField(csvText(null))).toBe('');
    expect(csvField(csvText(undefined))).toBe('');
  });

  it('never touches values the engine writes itself: amounts stay negative numbers', () => {
    expect(csvRecord(['2026-10', csvText('-P'), 'USD', '-12.30', -7, '2026-10-01T00:00:00.000Z', csvText('@ref')])).toBe(
      "2026-10,'-P,USD,-12.30,-7,2026-10-01T00:00:00.000Z,'@ref\r\n",
    );
  });
});
