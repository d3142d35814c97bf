import { integerOption } from './cli-options';

describe('integerOption', () => {
  const argv = ['node', 'bench.js', '--events', '2000', '--latency-seconds', '0', '--rate', 'fast', '--lines'];

  it('reads the value after the option, and the fallback when the option is absent', () => {
    expect(integerOption('events', 200_000, 0, argv)).toBe(2000);
    expect(integerOption('latency-seconds', 60, 0, argv)).toBe(0);
    expect(integerOption('port', 3999, 1, argv)).toBe(3999);
  });

  it('refuses a value that is not an integer, is missing, or is below the minimum, naming the option', () => {
    expect(() => integerOption('rate', 2000, 0, argv)).toThrow('--rate must be an integer of at least 0, got fast');
    expect(() => integerOption('lines', 10_000, 1, argv)).toThrow('--lines must be an integer of at least 1, got nothing');
    expect(() => integerOption('latency-seconds', 60, 1, argv)).toThrow('--latency-seconds must be an integer of at least 1, got 0');
    expect(() => integerOption('events', 1, 0, ['--events', '2.5'])).toThrow('--events');
  });
});
