import { Subject, VirtualAction, VirtualTimeScheduler, filter, map } from 'rxjs';
import { Connection, ConnectionStatus } from '../../lib/connection/connection';
import { plainPackages } from '../../lib/connection/packageCodec';
import { ConnectionClosedError, InvalidArgumentError } from '../../lib/protocol/errors';
import type { GameEvent, Package } from '../../lib/protocol/packages';
import type { Transport } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';

const SESSION = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const event = (n: number): GameEvent => ({ type: 'MOVE', args: [n], kwargs: {} });

/**
 * Two rxgase connections over a memory network whose link the spec cuts and mends; after a cut,
 * each side resumes its dropped connection with a new one, as a reconnected client and its server
 * do.
 */
function pair() {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const network = new MemoryNetwork(scheduler);
  const a = network.bind({ host: 'a', port: 1 });
  const b = network.bind({ host: 'b', port: 2 });
  /** Which way datagrams are lost: none, both, or only the server's to the client. */
  let cut: 'none' | 'both' | 'server to client' = 'none';
  const lost = (self: Transport): boolean => cut === 'both' || (cut !== 'none' && self === b);
  const connect = (
    self: Transport,
    peer: Transport,
    resumes?: Connection<Package>,
  ): Connection<Package> =>
    new Connection<Package>({
      remote: peer.address,
      incoming$: self.datagrams$.pipe(
        filter(() => cut !== 'both'),
        map(({ data }) => data),
      ),
      send: (data) => {
        if (!lost(self)) self.send({ data, address: peer.address });
      },
      codec: plainPackages,
      session: SESSION,
      scheduler,
      resumable: true,
      ...(resumes && { resumes }),
    });
  const at = (ms: number, work: () => void): void => void scheduler.schedule(work, ms);
  return {
    scheduler,
    at,
    client: () => connect(a, b),
    server: () => connect(b, a),
    resume: (dropped: Connection<Package>, side: 'client' | 'server') =>
      side === 'client' ? connect(a, b, dropped) : connect(b, a, dropped),
    setCut: (value: typeof cut) => void (cut = value),
  };
}

describe('a Connection whose link drops', () => {
  it('drops when silent, keeps its events, and queues more while dropped', () => {
    const { scheduler, at, client, server, setCut } = pair();
    const a = client().open();
    const b = server().open();
    const statuses: ConnectionStatus[] = [];
    a.status$.subscribe((status) => statuses.push(status));
    const outcomes: string[] = [];
    at(100, () => setCut('both'));
    at(200, () =>
      a
        .dispatchEvent(event(1), { retries: 9 })
        .subscribe({ error: () => outcomes.push('1 failed') }),
    );
    let late: string | undefined;
    at(6000, () => {
      expect(a.isDropped).toBe(true);
      expect(a.closeReason).toBe('timeout');
      a.dispatchEvent(event(2)).subscribe({ error: (e: Error) => (late = e.name) });
    });
    at(6001, () => b.close());
    scheduler.flush();
    expect(statuses).toEqual([
      ConnectionStatus.Connecting,
      ConnectionStatus.Connected,
      ConnectionStatus.Disconnected,
    ]);
    expect(outcomes).toEqual([]);
    expect(late).toBeUndefined();
    expect(a.stats.pendingEvents).toBe(2);
    // Closed for good: what it kept fails.
    a.close();
    expect(a.isDropped).toBe(false);
    expect(outcomes).toEqual(['1 failed']);
    expect(late).toBe(ConnectionClosedError.name);
  });

  it('hands its events to the connection that resumes it, each handled once', () => {
    const { scheduler, at, client, server, resume, setCut } = pair();
    const a = client().open();
    const b = server().open();
    const handled: unknown[] = [];
    const acked: number[] = [];
    const send = (from: Connection<Package>, n: number) =>
      from.dispatchEvent(event(n), { retries: 5 }).subscribe({ complete: () => acked.push(n) });
    b.events$.subscribe((e) => handled.push(e.args[0]));
    at(50, () => send(a, 1));
    // The server gets event 2, but its ack is lost: it goes again after the resume.
    at(99, () => setCut('server to client'));
    at(100, () => send(a, 2));
    at(200, () => setCut('both'));
    at(300, () => send(a, 3));
    let a2: Connection<Package> | undefined;
    let b2: Connection<Package> | undefined;
    at(6000, () => {
      expect([a.isDropped, b.isDropped]).toEqual([true, true]);
      send(a, 4);
      setCut('none');
      b2 = resume(b, 'server').open();
      a2 = resume(a, 'client').open();
      b2.events$.subscribe((e) => handled.push(e.args[0]));
    });
    at(7000, () => {
      a2?.close();
      b2?.close();
    });
    scheduler.flush();
    expect(handled).toEqual([1, 2, 3, 4]);
    expect(acked.sort()).toEqual([1, 2, 3, 4]);
    expect(b2?.stats.duplicateEvents).toBe(1);
    expect(a2?.stats.pendingEvents).toBe(0);
  });

  it('is resumed once, and only when its link dropped', () => {
    const { scheduler, client, resume } = pair();
    const a = client().open();
    expect(() => resume(a, 'client')).toThrow(InvalidArgumentError);
    a.drop('disconnected');
    expect(a.currentStatus).toBe(ConnectionStatus.Disconnected);
    resume(a, 'client').close();
    expect(() => resume(a, 'client')).toThrow(InvalidArgumentError);
    scheduler.flush();
  });

  it('closes for good when silent without resumable, failing its events', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const network = new MemoryNetwork(scheduler);
    const a = network.bind({ host: 'a', port: 1 });
    const connection = new Connection<Package>({
      remote: { host: 'b', port: 2 },
      incoming$: a.datagrams$.pipe(map(({ data }) => data)),
      send: () => undefined,
      codec: plainPackages,
      session: SESSION,
      scheduler,
    }).open();
    let failed = false;
    connection.dispatchEvent(event(1)).subscribe({ error: () => (failed = true) });
    scheduler.flush();
    expect(connection.closeReason).toBe('timeout');
    expect(connection.isDropped).toBe(false);
    expect(failed).toBe(true);
  });

  it('refuses a session token that is not 8 bytes before it takes over a dropped connection', () => {
    const { scheduler, client, resume } = pair();
    const a = client().open();
    a.dispatchEvent(event(1)).subscribe({ error: () => undefined });
    a.drop('disconnected');
    const options = {
      remote: { host: 'b', port: 2 },
      incoming$: new Subject<Uint8Array>(),
      send: () => undefined,
      codec: plainPackages,
      scheduler,
      resumes: a,
    };
    expect(() => new Connection<Package>({ ...options, session: SESSION.subarray(1) })).toThrow(
      InvalidArgumentError,
    );
    // Its events are still the dropped connection's, for one that resumes it.
    resume(a, 'client').close();
    scheduler.flush();
  });
});
