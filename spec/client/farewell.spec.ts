import type { Observable, SchedulerLike } from 'rxjs';
import {
  FAREWELL_RESEND_MS,
  FAREWELL_WAIT_MS,
  farewell,
  sayFarewell,
} from '../../lib/client/farewell';
import { decodeRxgasePacket, encodeClose, isRxgasePacket } from '../../lib/protocol/rxgasePackets';
import type { Address, Datagram, Transport } from '../../lib/transport/datagram';
import { addressKey } from '../../lib/transport/datagram';
import { testScheduler } from '../helpers/marbles';
import { world } from '../helpers/world';

/*
 * A client that leaves says so, and its link stays open until the server answers, saying it again
 * meanwhile: a link closed right after its farewell (a browser's data channel) can throw it away,
 * and a server that never heard it holds the client for a return it will not make.
 */

const SERVER: Address = { host: 'server', port: 7000 };
const SESSION = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const OTHER_SESSION = Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1);
const FAREWELL = [encodeClose(SESSION, 'disconnected'), encodeClose(SESSION, 'disconnected')];

/** An rxgase packet's kind; PyGaSe's shutdown word otherwise. */
const kindOf = (data: Uint8Array): string =>
  isRxgasePacket(data) ? decodeRxgasePacket(data).kind : 'shutdown word';

/** A transport over `datagrams$` that logs, at the scheduler's time, what is sent and its close. */
function loggingTransport(datagrams$: Observable<Datagram>, scheduler: SchedulerLike) {
  const log: string[] = [];
  const transport: Transport = {
    address: { host: 'ann', port: 1 },
    datagrams$,
    send: ({ data, address }) =>
      log.push(`${scheduler.now()} ${kindOf(data)} to ${addressKey(address)}`),
    close: () => log.push(`${scheduler.now()} close`),
  };
  return { transport, log };
}

/** The log of a farewell said at each of `times`: two closes each. */
const saidAt = (...times: number[]): string[] =>
  times.flatMap((t) => [`${t} close to server:7000`, `${t} close to server:7000`]);

describe('sayFarewell', () => {
  it('says it now and every 250 ms, and closes the link once the server answered', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectSubscriptions, flush }) => {
      const answer: Datagram = { data: encodeClose(SESSION, 'disconnected'), address: SERVER };
      const datagrams = hot<Datagram>('300ms a', { a: answer });
      const { transport, log } = loggingTransport(datagrams, scheduler);
      sayFarewell(transport, SERVER, FAREWELL, SESSION, scheduler);
      expect(log).toEqual(saidAt(0));
      flush();
      expect(FAREWELL_RESEND_MS).toBe(250);
      expect(log).toEqual([...saidAt(0, 250), '300 close']);
      expectSubscriptions(datagrams.subscriptions).toBe('^ 299ms !');
    });
  });

  it('closes the link after 1 s without an answer, having said it four times', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectSubscriptions, flush }) => {
      // Closes of another session, or from another address, are not the answer.
      const datagrams = hot<Datagram>('100ms a 99ms b', {
        a: { data: encodeClose(OTHER_SESSION, 'disconnected'), address: SERVER },
        b: { data: encodeClose(SESSION, 'disconnected'), address: { host: 'mallory', port: 7000 } },
      });
      const { transport, log } = loggingTransport(datagrams, scheduler);
      sayFarewell(transport, SERVER, FAREWELL, SESSION, scheduler);
      flush();
      expect(FAREWELL_WAIT_MS).toBe(1000);
      expect(log).toEqual([...saidAt(0, 250, 500, 750), '1000 close']);
      expectSubscriptions(datagrams.subscriptions).toBe('^ 999ms !');
    });
  });

  it('closes the link at once where there is no session to be answered on', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectSubscriptions, flush }) => {
      const datagrams = hot<Datagram>('-');
      const { transport, log } = loggingTransport(datagrams, scheduler);
      // A PyGaSe server's client asking it to shut down: PyGaSe answers nothing.
      const shutdown = farewell(undefined, { shutdownServer: true, connected: true });
      sayFarewell(transport, SERVER, shutdown, undefined, scheduler);
      // Nothing to say: the link just closes.
      sayFarewell(transport, SERVER, [], SESSION, scheduler);
      flush();
      expect(log).toEqual(['0 shutdown word to server:7000', '0 close', '0 close']);
      expectSubscriptions(datagrams.subscriptions).toBe([]);
    });
  });
});

describe('a client leaving an rxgase server', () => {
  it('is answered: its link closes then, and the server let it go rather than hold it', async () => {
    const w = world(undefined, { reconnectGraceMs: 10_000 });
    await w.server.run(7000, 'server', w.machine);
    const ann = w.client('ann');
    await w.within(ann.connect(7000, 'server'));
    const raw = w.transports.get('ann')!;
    const heard: string[] = [];
    raw.datagrams$.subscribe({
      next: ({ data }) => {
        const packet = decodeRxgasePacket(data);
        if (packet.kind === 'close') heard.push(`${packet.kind} ${packet.reason}`);
      },
      complete: () => heard.push('link closed'),
    });
    const gone: string[] = [];
    w.server.disconnected$.subscribe(({ reason }) => gone.push(reason));
    await ann.disconnect();
    await w.pass(50);
    expect(heard).toEqual(['close disconnected', 'link closed']);
    expect(gone).toEqual(['disconnected']);
    expect(w.server.heldClients).toBe(0);
    await w.server.shutdown();
  });
});
