import { bufferTime, firstValueFrom, from, mergeMap, share, timeout } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import { Client } from '../../lib/client/client';
import { HeldTransport } from '../../lib/client/heldTransport';
import type { DispatchOutcome } from '../../lib/server/serverEvents';
import type { Address, Datagram, Transport } from '../../lib/transport/datagram';
import { testScheduler } from '../helpers/marbles';
import { world } from '../helpers/world';
import type { Arena } from '../helpers/world';

/*
 * A client attaches its connection once its handshake's promise settles, while the server's first
 * packages come right behind its accept: a socket that reads in batches hands them on in the same
 * call as the accept. The transport holds them from the accept until the connection took them.
 */

const SERVER: Address = { host: 'server', port: 7000 };
const at = (n: number): Datagram => ({ data: Uint8Array.of(n), address: SERVER });

/** A transport over `datagrams$` that sends nowhere. */
const over = (datagrams$: Observable<Datagram>): Transport => ({
  address: { host: 'ann', port: 1 },
  datagrams$,
  send: () => undefined,
  close: () => undefined,
});

describe('HeldTransport', () => {
  it('hands a subscriber what came since hold, then what comes, until released', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const values = { a: at(1), b: at(2), c: at(3), d: at(4), e: at(5), f: at(6) };
      const source = hot('-a-b-c------d-e-f-|', values);
      const held = new HeldTransport(over(source));
      cold('--h').subscribe(() => held.hold());
      cold('-------------r').subscribe(() => held.release());
      // Subscribed after c: b and c came while held, and come first.
      const early = cold('------s|').pipe(mergeMap(() => held.datagrams$));
      // Subscribed once released: only what comes.
      const late = cold('---------------s|').pipe(mergeMap(() => held.datagrams$));
      expectObservable(early).toBe('------(bc)--d-e-f-|', values);
      expectObservable(late).toBe('----------------f-|', values);
      expectSubscriptions(source.subscriptions).toBe([
        '--^----------!',
        '------^-----------!',
        '---------------^--!',
      ]);
    });
  });

  it('holds nothing from before hold, nor once closed', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const values = { a: at(1), b: at(2), c: at(3), d: at(4) };
      const source = hot('-a-b-c-d-|', values);
      const held = new HeldTransport(over(source));
      cold('----h').subscribe(() => held.hold());
      expectObservable(cold('------s|').pipe(mergeMap(() => held.datagrams$))).toBe(
        '------cd-|',
        values,
      );
      expectSubscriptions(source.subscriptions).toBe(['----^----!', '------^--!']);

      const closedSource = hot('-a-b-c-|', values);
      const closed = new HeldTransport(over(closedSource));
      cold('--x').subscribe(() => closed.close());
      cold('---h').subscribe(() => closed.hold());
      expectObservable(cold('----s|').pipe(mergeMap(() => closed.datagrams$))).toBe(
        '-----c-|',
        values,
      );
      expectSubscriptions(closedSource.subscriptions).toBe(['----^--!']);
    });
  });
});

/**
 * `transport` read as rxgase's native socket reads: what came in during each `periodMs` handed on
 * in one call, one datagram after another, with no promise settling between them.
 */
function inBatches(transport: Transport, periodMs: number, scheduler: SchedulerLike): Transport {
  const datagrams$ = transport.datagrams$.pipe(
    bufferTime(periodMs, scheduler),
    mergeMap((batch) => from(batch)),
    share(),
  );
  return { ...transport, datagrams$ };
}

describe('a client whose socket reads in batches', () => {
  it("gets the event the server sends as it connects, in the batch of the server's accept", async () => {
    const w = world();
    await w.server.run(7000, 'server', w.machine);
    const outcomes: DispatchOutcome[] = [];
    w.server.connected$.subscribe(({ client }) =>
      w.server
        .dispatchEvent('WELCOME', { greeting: 'hello' }, { targetClient: client })
        .subscribe((outcome) => outcomes.push(outcome)),
    );
    const ann = new Client<Arena>({
      scheduler: w.scheduler,
      bind: async () => inBatches(w.network.bind({ host: 'ann' }), 100, w.scheduler),
      resolve: async (host) => host,
    });
    const welcome = firstValueFrom(
      ann.on('WELCOME').pipe(timeout({ first: 2000, scheduler: w.scheduler })),
    );
    await w.within(ann.connect(7000, 'server'));
    expect((await w.within(welcome, 3000)).kwargs).toEqual({ greeting: 'hello' });
    await w.pass(500);
    expect(outcomes.map(({ acked }) => acked)).toEqual([true]);
    expect(ann.connection?.stats.eventsIn).toBe(1);
    await ann.disconnect();
    await w.server.shutdown();
  });
});
