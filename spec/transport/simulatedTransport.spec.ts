import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { Datagram, Transport } from '../../lib/transport/datagram';
import type { NetworkConditions } from '../../lib/transport/simulateNetwork';
import { simulatedTransport } from '../../lib/transport/simulatedTransport';
import { testScheduler } from '../helpers/marbles';

const peer = { host: 'peer', port: 1 };
const datagram = (n: number): Datagram => ({ data: Uint8Array.of(n), address: peer });
const DATAGRAMS = { a: datagram(1), b: datagram(2), c: datagram(3), d: datagram(4) };

/** A transport whose datagrams are `incoming$`, and which notes when each send came. */
function fakeTransport(scheduler: TestScheduler, incoming$: Observable<Datagram>) {
  const sent: { at: number; n: number }[] = [];
  let closed = false;
  const transport: Transport = {
    datagrams$: incoming$,
    address: { host: 'me', port: 2 },
    send: ({ data }) => void sent.push({ at: scheduler.now(), n: data[0]! }),
    close: () => void (closed = true),
  };
  return { transport, sent, closed: () => closed };
}

describe('simulatedTransport', () => {
  it('passes datagrams as they are until conditions come, then as they say, both ways', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const incoming = hot('-a---b-----', DATAGRAMS);
      const conditions = hot<NetworkConditions>('--x--------', { x: { latencyMs: 5 } });
      const { transport, sent } = fakeTransport(scheduler, incoming);
      const simulated = simulatedTransport(transport, conditions, scheduler);
      // a comes before the conditions, as it is; b at 5, under 5 ms of latency: at 10.
      expectObservable(simulated.datagrams$).toBe('-a--------b', DATAGRAMS);
      expectSubscriptions(incoming.subscriptions).toBe('^');
      // c goes before the conditions, at once; d at 4, 5 ms later.
      scheduler.schedule(() => simulated.send(DATAGRAMS.c), 1);
      scheduler.schedule(() => simulated.send(DATAGRAMS.d), 4);
      scheduler.schedule(() => expect(sent).toEqual([{ at: 1, n: 3 }]), 8);
      scheduler.schedule(
        () =>
          expect(sent).toEqual([
            { at: 1, n: 3 },
            { at: 9, n: 4 },
          ]),
        10,
      );
    });
  });

  it('loses what the conditions lose, the same for every listener', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const incoming = hot('-abcdabcdabcd', DATAGRAMS);
      const conditions = hot<NetworkConditions>('x', { x: { loss: 0.5, seed: 3 } });
      const { transport } = fakeTransport(scheduler, incoming);
      const simulated = simulatedTransport(transport, conditions, scheduler);
      const heard: number[][] = [[], []];
      simulated.datagrams$.subscribe(({ data }) => heard[0]!.push(data[0]!));
      simulated.datagrams$.subscribe(({ data }) => heard[1]!.push(data[0]!));
      scheduler.schedule(() => {
        // Some lost, some not, and both listeners heard the same ones.
        expect(heard[0]!.length).toBeGreaterThan(0);
        expect(heard[0]!.length).toBeLessThan(12);
        expect(heard[0]!.length).toBeGreaterThan(0);
        expect(heard[1]).toEqual(heard[0]);
      }, 13);
      expectObservable(
        simulatedTransport(
          fakeTransport(scheduler, incoming).transport,
          hot<NetworkConditions>('x', { x: { loss: 1 } }),
          scheduler,
        ).datagrams$,
      ).toBe('-------------');
    });
  });

  it('closes the real transport once what is on its way went out, and sends nothing after', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot }) => {
      const { transport, sent, closed } = fakeTransport(scheduler, hot('-'));
      const simulated = simulatedTransport(
        transport,
        hot<NetworkConditions>('x', { x: { latencyMs: 10 } }),
        scheduler,
      );
      scheduler.schedule(() => simulated.send(DATAGRAMS.a), 1);
      scheduler.schedule(() => simulated.close(), 5);
      scheduler.schedule(() => {
        // On its way when closed: it arrives, as over a network, and the real transport waits.
        expect(closed()).toBe(false);
        simulated.send(DATAGRAMS.b);
      }, 6);
      scheduler.schedule(() => {
        expect(closed()).toBe(true);
        expect(sent).toEqual([{ at: 11, n: 1 }]);
      }, 30);
    });
  });
  it('tells on errors$ what the transport beneath reports', () => {
    const scheduler = testScheduler();
    const errors = new Subject<Error>();
    const { transport } = fakeTransport(scheduler, new Subject<Datagram>());
    const simulated = simulatedTransport(
      { ...transport, errors$: errors },
      new Subject(),
      scheduler,
    );
    const told: Error[] = [];
    simulated.errors$?.subscribe((error) => told.push(error));
    const refused = new Error('send EACCES');
    errors.next(refused);
    expect(told).toEqual([refused]);
  });
});
