import type { Datagram } from '../../lib/transport/datagram';
import { simulateNetwork } from '../../lib/transport/simulateNetwork';
import type { NetworkConditions } from '../../lib/transport/simulateNetwork';
import { testScheduler } from '../helpers/marbles';

const d = (n: number): Datagram => ({ data: Uint8Array.of(n), address: { host: 'x', port: n } });
const values = { a: d(1), b: d(2), c: d(3) };

describe('simulateNetwork', () => {
  it('delays every datagram by the latency', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('a-b-c|', values);
      expectObservable(e1.pipe(simulateNetwork({ latencyMs: 10 }))).toBe('10ms a-b-(c|)', values);
      expectSubscriptions(e1.subscriptions).toBe('^----!');
    });
  });

  it('takes conditions that change: each datagram meets the latest, one on its way keeps its fate', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const datagrams = hot('a-b-c----', { a: d(1), b: d(2), c: d(3) });
      // Clean until the first conditions; a at 0 passes at once.
      const conditions = hot<NetworkConditions>('-x-y-----', {
        x: { latencyMs: 4 },
        y: { latencyMs: 1 },
      });
      // b at 2 meets x: at 6; c at 4 meets y: at 5, before b.
      expectObservable(datagrams.pipe(simulateNetwork(conditions, scheduler))).toBe('a----cb--', {
        a: d(1),
        b: d(2),
        c: d(3),
      });
      expectSubscriptions(conditions.subscriptions).toBe('^');
    });
  });

  it('passes everything through at once when the network is perfect', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-c|', values).pipe(simulateNetwork({}))).toBe('a-b-c|', values);
    });
  });

  it('loses everything at loss 1, and doubles everything at duplicate 1', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b|', values).pipe(simulateNetwork({ loss: 1 }))).toBe('---|');
      expectObservable(cold('a 9ms b 9ms |', values).pipe(simulateNetwork({ duplicate: 1 }))).toBe(
        '(aa) 6ms (bb) 6ms |',
        values,
      );
    });
  });

  it('decides the same fate for the same seed, another for another', () => {
    const fate = (seed: number): string[] => {
      const arrived: string[] = [];
      testScheduler().run(({ cold, flush }) => {
        const many = cold('abcabcabcabcabcabcabcabc|', values);
        many
          .pipe(simulateNetwork({ latencyMs: 50, jitterMs: 40, loss: 0.3, duplicate: 0.3, seed }))
          .subscribe((x) => arrived.push(String(x.data[0])));
        flush();
      });
      return arrived;
    };
    expect(fate(5)).toEqual(fate(5));
    expect(fate(5)).not.toEqual(fate(6));
    expect(fate(5).length).toBeGreaterThan(10);
  });

  it('reorders with jitter, and keeps the order when told not to reorder', () => {
    const order = (reorder: boolean): number[] => {
      const arrived: number[] = [];
      testScheduler().run(({ cold, flush }) => {
        cold('abcabcabcabc|', values)
          .pipe(simulateNetwork({ latencyMs: 50, jitterMs: 45, reorder, seed: 3 }))
          .subscribe((x) => arrived.push(x.address.port * 100 + arrived.length));
        flush();
      });
      return arrived.map((n) => Math.floor(n / 100));
    };
    const sent = [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3];
    expect(order(false)).toEqual(sent);
    expect(order(true)).not.toEqual(sent);
    expect([...order(true)].sort()).toEqual([...sent].sort());
  });

  it('completes on empty, stays silent on never, passes errors, cancels when unsubscribed', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const empty = cold<Datagram>('|');
      const never = cold<Datagram>('-');
      const error = cold<Datagram>('-#');
      const long = hot('a-b-c|', values);
      expectObservable(empty.pipe(simulateNetwork({ latencyMs: 5 }))).toBe('|');
      expectObservable(never.pipe(simulateNetwork({ latencyMs: 5 }))).toBe('-');
      expectObservable(error.pipe(simulateNetwork({ latencyMs: 5 }))).toBe('-#');
      expectObservable(long.pipe(simulateNetwork({ latencyMs: 2 })), '---!').toBe('--a-', values);
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      expectSubscriptions(never.subscriptions).toBe('^');
      expectSubscriptions(error.subscriptions).toBe('^!');
      expectSubscriptions(long.subscriptions).toBe('^--!');
    });
  });
});
