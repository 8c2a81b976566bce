import { SequenceRangeError } from '../../lib/protocol/errors';
import { MAX_SEQUENCE } from '../../lib/protocol/constants';
import { isNewer, sqnAdd, sqnBack, sqnDiff, toSqn } from '../../lib/protocol/sequence';

describe('sequence numbers', () => {
  describe('toSqn', () => {
    it('accepts every integer in 0..65535', () => {
      for (let i = 0; i <= MAX_SEQUENCE; i++) expect(toSqn(i)).toBe(i);
    });

    it.each([-1, -65536, 65536, 131070, 1.5, NaN, Infinity])(
      'throws a SequenceRangeError for %p',
      (value) => {
        expect(() => toSqn(value)).toThrow(SequenceRangeError);
        expect(() => toSqn(value)).toThrow(expect.objectContaining({ code: 'ERR_SEQUENCE_RANGE' }));
      },
    );

    it('names the field in the message', () => {
      expect(() => toSqn(70000, 'ack')).toThrow(/^ack must be/);
    });
  });

  describe('sqnAdd', () => {
    it('counts up from 0 through every number', () => {
      let sqn = 0;
      for (let i = 1; i <= MAX_SEQUENCE; i++) {
        sqn = sqnAdd(sqn, 1);
        expect(sqn).toBe(i);
      }
    });

    it('wraps from 65535 to 1, skipping 0', () => {
      expect(sqnAdd(MAX_SEQUENCE, 1)).toBe(1);
      expect(sqnAdd(2, MAX_SEQUENCE)).toBe(2);
    });

    it('adds negative numbers down to 0 but not below', () => {
      expect(sqnAdd(2, -1)).toBe(1);
      expect(() => sqnAdd(2, -3)).toThrow(SequenceRangeError);
    });

    it('refuses a sequence number out of range', () => {
      expect(() => sqnAdd(65536, 1)).toThrow(SequenceRangeError);
    });
  });

  describe('sqnBack', () => {
    it('steps back, from 1 to 65535 across the wrap', () => {
      expect(sqnBack(5, 2)).toBe(3);
      expect(sqnBack(5, 0)).toBe(5);
      expect(sqnBack(1, 1)).toBe(MAX_SEQUENCE);
      expect(sqnBack(2, 3)).toBe(MAX_SEQUENCE - 1);
    });

    it('undoes sqnAdd', () => {
      for (let sqn = 1; sqn <= MAX_SEQUENCE; sqn += 97) {
        for (const n of [0, 1, 31, 32, 32767, 65534]) expect(sqnBack(sqnAdd(sqn, n), n)).toBe(sqn);
      }
    });

    it('refuses to step back from 0, or by a step out of range', () => {
      expect(() => sqnBack(0, 1)).toThrow(SequenceRangeError);
      expect(() => sqnBack(5, -1)).toThrow(SequenceRangeError);
      expect(() => sqnBack(5, 65535)).toThrow(SequenceRangeError);
      expect(() => sqnBack(5, 1.5)).toThrow(SequenceRangeError);
    });
  });

  describe('sqnDiff', () => {
    it('is the plain difference within the sequence', () => {
      expect(sqnDiff(5, 2)).toBe(3);
      expect(sqnDiff(2, 5)).toBe(-3);
    });

    it('takes the short way round the wrap', () => {
      expect(sqnDiff(5, 65530)).toBe(10);
      expect(sqnDiff(2, MAX_SEQUENCE - 2)).toBe(4);
      expect(sqnDiff(MAX_SEQUENCE - 2, 2)).toBe(-4);
    });

    it('keeps large distances that do not cross half the cycle', () => {
      expect(sqnDiff(50000, 20000)).toBe(30000);
      expect(sqnDiff(MAX_SEQUENCE - 100, 20000)).toBe(-20100);
    });

    it('folds every difference into -32767..32767, antisymmetrically', () => {
      for (const b of [1, 100, 32767, 32768, 65535]) {
        for (let a = 1; a <= MAX_SEQUENCE; a += 7) {
          const diff = sqnDiff(a, b);
          expect(Math.abs(diff)).toBeLessThanOrEqual(32767);
          expect(sqnDiff(b, a) + diff).toBe(0);
        }
      }
    });
  });

  describe('isNewer', () => {
    it('compares across the wrap', () => {
      expect(isNewer(5, 3)).toBe(true);
      expect(isNewer(3, 5)).toBe(false);
      expect(isNewer(5, 65500)).toBe(true);
      expect(isNewer(5, 100)).toBe(false);
      expect(isNewer(2, MAX_SEQUENCE - 2)).toBe(true);
      expect(isNewer(MAX_SEQUENCE - 2, 2)).toBe(false);
    });

    it('finds as many numbers newer than a given one as older', () => {
      let newer = 0;
      let older = 0;
      for (let i = 1; i <= MAX_SEQUENCE; i++) {
        if (isNewer(i, 1)) newer++;
        else if (isNewer(1, i)) older++;
      }
      expect(newer).toBeGreaterThan(0);
      expect(newer).toBe(older);
    });

    it('is never true both ways, and false for equal numbers', () => {
      for (let a = 0; a <= MAX_SEQUENCE; a += 13) {
        expect(isNewer(a, a)).toBe(false);
        const b = (a * 7919) % (MAX_SEQUENCE + 1);
        expect(isNewer(a, b) && isNewer(b, a)).toBe(false);
      }
    });

    it('treats 0 as "none yet": every other number is newer', () => {
      expect(isNewer(1, 0)).toBe(true);
      expect(isNewer(40000, 0)).toBe(true);
      expect(isNewer(MAX_SEQUENCE, 0)).toBe(true);
      expect(isNewer(0, 40000)).toBe(false);
      expect(isNewer(0, 0)).toBe(false);
    });

    it('refuses numbers out of range', () => {
      expect(() => isNewer(-1, 3)).toThrow(SequenceRangeError);
      expect(() => isNewer(3, 65536)).toThrow(SequenceRangeError);
    });
  });
});
