import { decodeOrDrop, decodePackages } from '../../lib/operators/decodePackages';
import { decodePackage } from '../../lib/protocol/decode';
import { encodePackage } from '../../lib/protocol/encode';
import type { RxgaseError } from '../../lib/protocol/errors';
import type { Package } from '../../lib/protocol/packages';
import { testScheduler } from '../helpers/marbles';

const pkg = (sequence: number): Package => ({
  header: { sequence, ack: 0, ackBitfield: 0 },
  events: [{ type: 'E', args: [sequence], kwargs: {} }],
});
const bytes = { a: encodePackage(pkg(1)), b: encodePackage(pkg(2)), x: Uint8Array.of(1, 2, 3) };
const packages = { a: pkg(1), b: pkg(2) };

describe('decodePackages', () => {
  it('decodes each datagram into its package', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-b-|', bytes);
      const e1subs = '  ^----!';
      const expected = '-a-b-|';
      expectObservable(e1.pipe(decodePackages(decodePackage))).toBe(expected, packages);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('drops what does not decode, reports it, and goes on', () => {
    const dropped: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-x-a-x-b|', bytes);
      const e1subs = '  ^-------!';
      const expected = '---a---b|';
      const decoded = e1.pipe(
        decodePackages(decodePackage, (error: RxgaseError) => dropped.push(error.code)),
      );
      expectObservable(decoded).toBe(expected, packages);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
    expect(dropped).toEqual(['ERR_PROTOCOL_ID_MISMATCH', 'ERR_PROTOCOL_ID_MISMATCH']);
  });

  it('names why each datagram was dropped', () => {
    const dropped: string[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const garbage = { x: bytes.x, y: Uint8Array.of(0xff, 0xd0, 0xfa, 0xb9, 0) };
      expectObservable(
        cold('-x-y|', garbage).pipe(
          decodePackages(decodePackage, (error) => dropped.push(error.code)),
        ),
      ).toBe('----|');
    });
    expect(dropped).toEqual(['ERR_PROTOCOL_ID_MISMATCH', 'ERR_TRUNCATED_DATAGRAM']);
  });

  it('reports each dropped datagram with its bytes', () => {
    const reports: Uint8Array[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const e1 = cold('-x-x|', bytes);
      expectObservable(
        e1.pipe(decodePackages(decodePackage, (_e, datagram) => reports.push(datagram))),
      ).toBe('----|');
    });
    expect(reports).toEqual([bytes.x, bytes.x]);
  });

  it('completes on an empty source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<Uint8Array>('|');
      expectObservable(e1.pipe(decodePackages(decodePackage))).toBe('|');
      expectSubscriptions(e1.subscriptions).toBe('(^!)');
    });
  });

  it('never emits on a never source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<Uint8Array>('-');
      expectObservable(e1.pipe(decodePackages(decodePackage))).toBe('-');
      expectSubscriptions(e1.subscriptions).toBe('^');
    });
  });

  it('passes on an error of the source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<Uint8Array>('-a-#', bytes);
      expectObservable(e1.pipe(decodePackages(decodePackage))).toBe('-a-#', packages);
      expectSubscriptions(e1.subscriptions).toBe('^--!');
    });
  });

  it('stops listening when unsubscribed early', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('--a--b--a--|', bytes);
      const unsub = '  ------!     ';
      const e1subs = ' ^-----!     ';
      expectObservable(e1.pipe(decodePackages(decodePackage)), unsub).toBe('--a--b-', packages);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors when the report callback throws', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-x-b|', bytes);
      const decoded = e1.pipe(
        decodePackages(decodePackage, () => {
          throw new Error('counter broke');
        }),
      );
      expectObservable(decoded).toBe('-a-#', packages, new Error('counter broke'));
      expectSubscriptions(e1.subscriptions).toBe('^--!');
    });
  });

  it('errors when the decoder throws something other than a named error: a bug', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const broken = (): Package => {
        throw new TypeError('bug');
      };
      expectObservable(cold('-a|', bytes).pipe(decodePackages(broken))).toBe(
        '-#',
        {},
        new TypeError('bug'),
      );
    });
  });
});

describe('decodeOrDrop', () => {
  it('decodes a datagram, and gives undefined for one that does not decode, reporting it', () => {
    const dropped: string[] = [];
    const read = decodeOrDrop(decodePackage, (error: RxgaseError) => dropped.push(error.code));
    expect(read(bytes.a)).toEqual(pkg(1));
    expect(read(bytes.x)).toBeUndefined();
    expect(dropped).toEqual(['ERR_PROTOCOL_ID_MISMATCH']);
  });

  it('throws on what the decoder throws that is not one of rxgase errors: a bug', () => {
    const read = decodeOrDrop((): Package => {
      throw new TypeError('bug');
    });
    expect(() => read(bytes.a)).toThrow(TypeError);
  });
});
