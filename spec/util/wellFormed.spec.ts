import { isWellFormed } from '../../lib/util/wellFormed';

const CASES: Array<[string, boolean]> = [
  ['', true],
  ['plain', true],
  ['emoji 😀 ok', true],
  ['lone high \uD83D end', false],
  ['lone low \uDE00 start', false],
  ['\uD83D', false],
  ['\uDE00\uD83D', false],
  ['pair then lone \uD83D\uDE00\uDE00', false],
];

describe('isWellFormed', () => {
  it('tells strings with a lone surrogate apart', () => {
    for (const [text, expected] of CASES) expect(isWellFormed(text)).toBe(expected);
  });

  it('tells the same where String.prototype.isWellFormed is missing, as in older browsers', () => {
    const native = Object.getOwnPropertyDescriptor(String.prototype, 'isWellFormed');
    delete (String.prototype as { isWellFormed?: unknown }).isWellFormed;
    try {
      expect(typeof ''.isWellFormed).toBe('undefined');
      for (const [text, expected] of CASES) expect(isWellFormed(text)).toBe(expected);
    } finally {
      Object.defineProperty(String.prototype, 'isWellFormed', native as PropertyDescriptor);
    }
  });
});
