import { Subject, VirtualAction, VirtualTimeScheduler, map, tap } from 'rxjs';
import type { ConnectionOptions } from '../../lib/connection/connection';
import { Connection, ConnectionStatus } from '../../lib/connection/connection';
import { clientPackages, plainPackages } from '../../lib/connection/packageCodec';
import { ACK_AFTER_BYTES } from '../../lib/connection/connectionOptions';
import { decodePackage } from '../../lib/protocol/decode';
import {
  appendEvents,
  encodeEvent,
  encodePackage,
  encodeServerPackage,
} from '../../lib/protocol/encode';
import { BudgetMeter } from '../../lib/connection/sessionBudget';
import {
  AckTimeoutError,
  ConnectionClosedError,
  PackageOverflowError,
  UnencodableValueError,
} from '../../lib/protocol/errors';
import type { GameEvent, Package } from '../../lib/protocol/packages';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import * as exchange from '../../lib/operators/exchangePackages';
import { ReassemblyBudget } from '../../lib/operators/joinFragments';
import {
  FRAGMENT_PAYLOAD_SIZE,
  MAX_DATAGRAM_SIZE,
  encodeData,
  encodeFragments,
} from '../../lib/protocol/rxgasePackets';

const event = (type: string, ...args: unknown[]): GameEvent => ({ type, args, kwargs: {} });

/** A connection whose peer is the test itself: what it sends is recorded, what it gets is given. */
function harness(options: Partial<ConnectionOptions<Package>> = {}) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const network = new MemoryNetwork(scheduler);
  const self = network.bind({ host: 'self', port: 1 });
  const peer = network.bind({ host: 'peer', port: 2 });
  const sent: { at: number; pkg: Package }[] = [];
  peer.datagrams$.subscribe(({ data }) =>
    sent.push({ at: scheduler.now(), pkg: decodePackage(data) }),
  );
  const connection = new Connection({
    remote: peer.address,
    incoming$: self.datagrams$.pipe(map((d) => d.data)),
    send: (data) => self.send({ data, address: peer.address }),
    codec: plainPackages,
    scheduler,
    ...options,
  });
  const reply = (sequence: number, ack: number, ackBitfield = 0, events: GameEvent[] = []): void =>
    peer.send({
      data: encodePackage({ header: { sequence, ack, ackBitfield }, events }),
      address: self.address,
    });
  const at = (ms: number, work: () => void): void => void scheduler.schedule(work, ms);
  const runUntil = (ms: number): void => {
    at(ms, () => connection.close());
    scheduler.flush();
  };
  return { scheduler, connection, sent, reply, at, runUntil, peer, self };
}

describe('Connection', () => {
  it('runs its whole protocol through the exchangePackages operator', () => {
    const original = exchange.exchangePackages;
    const operator = jest.spyOn(exchange, 'exchangePackages');
    const signals: string[] = [];
    operator.mockImplementation(
      (options) => (datagrams$) =>
        datagrams$.pipe(
          original(options),
          tap((signal) => signals.push(signal.kind)),
        ),
    );
    try {
      const { connection, sent, reply, at, runUntil } = harness();
      connection.open();
      at(10, () => reply(1, 1));
      runUntil(30);
      expect(operator).toHaveBeenCalledTimes(1);
      // What the connection did is what the operator told it: the package, its ack, the latency.
      expect(signals).toEqual(['congestion', 'received', 'acked']);
      expect(connection.stats).toMatchObject({ packagesIn: 1, acked: 1, datagramsOut: 2 });
      expect(sent).toHaveLength(2);
    } finally {
      operator.mockRestore();
    }
  });

  it('sends a package at once when opened, then one every 25 ms', () => {
    const { connection, sent, runUntil } = harness();
    connection.open();
    runUntil(100);
    expect(sent.map((s) => s.at)).toEqual([0, 25, 50, 75]);
    expect(sent.map((s) => s.pkg.header.sequence)).toEqual([1, 2, 3, 4]);
    expect(sent[0]!.pkg.header).toEqual({ sequence: 1, ack: 0, ackBitfield: 0 });
  });

  it('goes Connecting, Connected on the first package, Disconnected after 5 s of silence', () => {
    const { connection, reply, at, scheduler } = harness();
    const statuses: [number, ConnectionStatus][] = [];
    connection.status$.subscribe((status) => statuses.push([scheduler.now(), status]));
    connection.open();
    at(30, () => reply(1, 1));
    scheduler.flush();
    expect(statuses).toEqual([
      [0, ConnectionStatus.Disconnected],
      [0, ConnectionStatus.Connecting],
      [30, ConnectionStatus.Connected],
      [5030, ConnectionStatus.Disconnected],
    ]);
  });

  it('acks what it received in the header of its next package', () => {
    const { connection, sent, reply, at, runUntil } = harness();
    connection.open();
    at(10, () => reply(1, 0));
    at(11, () => reply(3, 0));
    runUntil(30);
    expect(sent[1]!.pkg.header).toEqual({ sequence: 2, ack: 3, ackBitfield: 0b01 << 30 });
  });

  it('flushes a dispatched event at once on an idle link, not at the next beat', () => {
    const { connection, sent, at, runUntil } = harness();
    connection.open();
    at(10, () => void connection.dispatchEvent(event('JOIN', 'ann')));
    runUntil(40);
    expect(sent.map((s) => [s.at, s.pkg.events.map((e) => e.type)])).toEqual([
      [0, []],
      [10, ['JOIN']],
      [35, []],
    ]);
  });

  it('answers a package carrying events promptly, so the ack goes back at once', () => {
    const { connection, sent, reply, at, runUntil } = harness();
    connection.open();
    at(10, () => reply(1, 0, 0, [event('PING')]));
    runUntil(30);
    expect(sent.map((s) => s.at)).toEqual([0, 10]);
    expect(sent[1]!.pkg.header.ack).toBe(1);
  });

  it('completes a dispatch when the package carrying the event is acked', () => {
    const { connection, reply, at, runUntil } = harness();
    const outcome: string[] = [];
    connection.open();
    at(10, () =>
      connection.dispatchEvent(event('JOIN')).subscribe({ complete: () => outcome.push('acked') }),
    );
    at(20, () => reply(1, 2)); // package 2 carried the event
    runUntil(50);
    expect(outcome).toEqual(['acked']);
    expect(connection.stats).toMatchObject({ acked: 1, eventsOut: 1, eventsSent: 1 });
  });

  it('re-sends an event up to its retries, then errors with AckTimeoutError', () => {
    const { connection, sent, scheduler, runUntil } = harness({ connectionTimeoutMs: 60_000 });
    let failure: unknown;
    connection.open();
    connection
      .dispatchEvent(event('JOIN'), { retries: 2 })
      .subscribe({ error: (e) => (failure = e) });
    runUntil(5000);
    const carrying = sent.filter((s) => s.pkg.events.length > 0).map((s) => s.at);
    // Dispatched just after the first package went: out an eighth of the beat later (3.125 ms,
    // rounded up to 4), then again as soon as each package carrying it times out. Here each
    // timeout falls on a beat, whose package (set off before the timeout's timer was set) goes
    // first: the resend follows an eighth of the beat after it.
    expect(carrying).toEqual([4, 1008, 2012]);
    expect(failure).toBeInstanceOf(AckTimeoutError);
    expect(connection.stats).toMatchObject({ resends: 2, eventsOut: 1, eventsSent: 3 });
    expect(scheduler.now()).toBe(5000);
  });

  it('packs as many events as fit in 2048 bytes, the rest into the next packages', () => {
    const { connection, sent, runUntil } = harness();
    connection.open();
    for (let i = 0; i < 3; i++) connection.dispatchEvent(event('BIG', new Uint8Array(900)));
    runUntil(60);
    expect(sent.map((s) => s.pkg.events.length)).toEqual([0, 2, 1, 0, 0]);
    // Each an eighth of the beat (3.125 ms, rounded up to 4) after the last, then on the beat.
    expect(sent.map((s) => s.at)).toEqual([0, 4, 8, 33, 58]);
  });

  it('sends an event as it was when dispatched, though its arguments change afterwards', () => {
    const { connection, sent, at, runUntil } = harness();
    connection.open();
    const args: unknown[] = [1];
    // Just after the first package: this one goes an eighth of the beat later.
    at(1, () => {
      connection.dispatchEvent({ type: 'MOVE', args, kwargs: {} });
      args.splice(0, 1, 2, 'and more');
    });
    runUntil(20);
    expect(sent.flatMap((s) => s.pkg.events)).toEqual([event('MOVE', 1)]);
  });

  it('refuses at the call an event that cannot be sent or can never fit', () => {
    const { connection } = harness();
    expect(() => connection.dispatchEvent(event('BAD', () => 1))).toThrow(UnencodableValueError);
    expect(() => connection.dispatchEvent(event('BIG', new Uint8Array(2048)))).toThrow(
      PackageOverflowError,
    );
  });

  it('hands on received events once, though the package arrives twice', () => {
    const { connection, reply, at, runUntil } = harness();
    const received: string[] = [];
    connection.events$.subscribe((e) => received.push(e.type));
    connection.open();
    at(5, () => reply(1, 0, 0, [event('A'), event('B')]));
    at(6, () => reply(1, 0, 0, [event('A'), event('B')]));
    at(7, () => reply(2, 0, 0, [event('C')]));
    runUntil(20);
    expect(received).toEqual(['A', 'B', 'C']);
    expect(connection.stats).toMatchObject({
      datagramsIn: 3,
      packagesIn: 2,
      duplicates: 1,
      eventsIn: 3,
    });
  });

  it('hands each new package to its package watcher first, before packages$ and its events', () => {
    const { connection, reply, at, runUntil } = harness();
    const seen: string[] = [];
    connection.watchPackages({
      took: ({ package: pkg, late }) =>
        seen.push(`watcher ${pkg.header.sequence}${late ? ' late' : ''}`),
    });
    connection.packages$.subscribe(({ package: pkg }) =>
      seen.push(`packages$ ${pkg.header.sequence}`),
    );
    connection.events$.subscribe((e) => seen.push(`event ${e.type}`));
    connection.open();
    at(5, () => reply(2, 0, 0, [event('A')]));
    at(6, () => reply(2, 0, 0, [event('A')]));
    at(7, () => reply(1, 0));
    runUntil(20);
    expect(seen).toEqual(['watcher 2', 'packages$ 2', 'event A', 'watcher 1 late', 'packages$ 1']);
  });

  it('closes with the reason error when its package watcher throws', () => {
    const { connection, reply, at, scheduler } = harness();
    const outcome: string[] = [];
    connection.watchPackages({
      took: () => {
        throw new Error('the watcher broke');
      },
    });
    connection.events$.subscribe({
      next: (e) => outcome.push(e.type),
      complete: () => outcome.push('done'),
    });
    connection.open();
    at(5, () => reply(1, 0, 0, [event('A')]));
    scheduler.flush();
    // Its events are not handed on: the package was not taken.
    expect(outcome).toEqual(['done']);
    expect(connection.closeReason).toBe('error');
  });

  it('drops and counts datagrams that do not decode, and goes on', () => {
    const { connection, peer, self, reply, at, runUntil } = harness();
    connection.open();
    at(5, () => peer.send({ data: Uint8Array.of(1, 2, 3), address: self.address }));
    at(6, () => reply(1, 0));
    let status: ConnectionStatus | undefined;
    at(8, () => (status = connection.currentStatus));
    runUntil(10);
    expect(connection.stats).toMatchObject({ datagramsIn: 2, dropped: 1, packagesIn: 1 });
    expect(status).toBe(ConnectionStatus.Connected);
  });

  it('measures the round trip time and smooths it into the latency', () => {
    const { connection, reply, at, runUntil } = harness();
    const latencies: number[] = [];
    connection.latency$.subscribe((latency) => latencies.push(latency));
    connection.open();
    at(40, () => reply(1, 1)); // package 1 went at 0
    at(65, () => reply(2, 2)); // package 2 went at 25
    runUntil(70);
    expect(latencies).toEqual([0, 4, 7.6]);
  });

  it('gives a late subscriber to latency$ the latency the acks made unheard, then each change', () => {
    const { connection, reply, at, runUntil } = harness();
    const latencies: number[] = [];
    connection.open();
    at(40, () => reply(1, 1)); // package 1 went at 0: 4 ms
    at(45, () => connection.latency$.subscribe((latency) => latencies.push(latency)));
    at(65, () => reply(2, 2)); // package 2 went at 25: 7.6 ms
    runUntil(70);
    expect(latencies).toEqual([4, 7.6]);
    expect(connection.currentLatency).toBe(7.6);
    expect(connection.stats.rttMs).toBe(7.6);
  });

  it('fails pending events and stops every timer when closed', () => {
    const { connection, scheduler } = harness();
    let failure: unknown;
    const completions: string[] = [];
    connection.events$.subscribe({ complete: () => completions.push('events') });
    connection.status$.subscribe({ complete: () => completions.push('status') });
    connection.open();
    connection
      .dispatchEvent(event('JOIN'), { retries: 5 })
      .subscribe({ error: (e) => (failure = e) });
    scheduler.schedule(() => connection.close(), 10);
    scheduler.flush();
    expect(failure).toBeInstanceOf(ConnectionClosedError);
    expect(completions.sort()).toEqual(['events', 'status']);
    expect(scheduler.now()).toBe(10);
  });

  it('fails an event still to be re-sent when a failure handler closes the connection', () => {
    const { connection, scheduler } = harness({ connectionTimeoutMs: 60_000 });
    const outcomes: string[] = [];
    connection.open();
    connection.dispatchEvent(event('A')).subscribe({
      error: (e: AckTimeoutError) => {
        outcomes.push(`A ${e.code}`);
        connection.close();
      },
    });
    connection.dispatchEvent(event('B'), { retries: 1 }).subscribe({
      error: (e: ConnectionClosedError) => outcomes.push(`B ${e.code}`),
    });
    scheduler.flush();
    expect(outcomes).toEqual(['A ERR_ACK_TIMEOUT', 'B ERR_CONNECTION_CLOSED']);
  });

  it('closes when its datagrams fail, failing what is pending and stopping every timer', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const incoming = new Subject<Uint8Array>();
    const connection = new Connection({
      remote: { host: 'peer', port: 2 },
      incoming$: incoming,
      send: () => undefined,
      codec: plainPackages,
      scheduler,
    }).open();
    let failure: unknown;
    connection.dispatchEvent(event('A'), { retries: 5 }).subscribe({ error: (e) => (failure = e) });
    scheduler.schedule(() => incoming.error(new Error('socket died')), 20);
    scheduler.flush();
    expect(connection.currentStatus).toBe(ConnectionStatus.Disconnected);
    expect(failure).toBeInstanceOf(ConnectionClosedError);
    expect(scheduler.now()).toBe(20);
  });

  it('fails an event that no longer fits once what rides beside it grew, and sends the rest', () => {
    let base = 12;
    const { connection, sent, runUntil, at } = harness({
      codec: { ...plainPackages, baseSize: () => base },
    });
    const outcomes: string[] = [];
    connection.open();
    at(1, () => {
      connection.dispatchEvent(event('BIG', new Uint8Array(1000))).subscribe({
        error: (e: PackageOverflowError) => outcomes.push(`BIG ${e.code}`),
      });
      connection.dispatchEvent(event('SMALL')).subscribe({
        complete: () => outcomes.push('SMALL acked'),
        error: (e: ConnectionClosedError) => outcomes.push(`SMALL ${e.code}`),
      });
      base = 1500;
    });
    runUntil(20);
    // Nobody acks here: SMALL went out, and fails only when the connection closes.
    expect(outcomes).toEqual(['BIG ERR_PACKAGE_OVERFLOW', 'SMALL ERR_CONNECTION_CLOSED']);
    expect(sent.flatMap((s) => s.pkg.events.map((e) => e.type))).toEqual(['SMALL']);
  });

  it('counts any package that decodes as a sign of life, a duplicate too', () => {
    const { connection, reply, at, scheduler } = harness();
    connection.open();
    for (let t = 0; t <= 12_000; t += 2000) at(t, () => reply(1, 0));
    at(12_500, () => connection.close());
    let closedAt: number | undefined;
    connection.status$.subscribe((s) => {
      if (s === ConnectionStatus.Disconnected) closedAt = scheduler.now();
    });
    scheduler.flush();
    expect(closedAt).toBe(12_500);
    expect(connection.stats.duplicates).toBe(6);
  });

  it('refuses to queue on a closed connection', () => {
    const { connection } = harness();
    connection.open();
    connection.close();
    let failure: unknown;
    connection.dispatchEvent(event('LATE')).subscribe({ error: (e) => (failure = e) });
    expect(failure).toBeInstanceOf(ConnectionClosedError);
    expect(connection.currentStatus).toBe(ConnectionStatus.Disconnected);
  });
});

describe('Connection with ackEvery', () => {
  /** A client's connection with ackEvery 4, and the server packages the test sends it. */
  function client() {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const network = new MemoryNetwork(scheduler);
    const self = network.bind({ host: 'client', port: 1 });
    const server = network.bind({ host: 'server', port: 2 });
    const sent: number[] = [];
    server.datagrams$.subscribe(() => sent.push(scheduler.now()));
    const connection = new Connection({
      remote: server.address,
      incoming$: self.datagrams$.pipe(map((d) => d.data)),
      send: (data) => self.send({ data, address: server.address }),
      codec: clientPackages(() => 0),
      scheduler,
      ackEvery: 4,
    }).open();
    const serve = (at: number, sequence: number, bytes: number): void =>
      void scheduler.schedule(
        () =>
          server.send({
            data: encodeServerPackage({
              header: { sequence, ack: 0, ackBitfield: 0 },
              update: { time_order: sequence, blob: 'x'.repeat(bytes) },
              events: [],
            }),
            address: self.address,
          }),
        at,
      );
    const runUntil = (ms: number): void => {
      scheduler.schedule(() => connection.close(), ms);
      scheduler.flush();
    };
    return { sent, serve, runUntil };
  }

  it('acks every fourth small package at once, and sends every 100 ms when idle', () => {
    const { sent, serve, runUntil } = client();
    for (let i = 1; i <= 4; i++) serve(i * 10, i, 10);
    for (let i = 5; i <= 8; i++) serve(100 + i * 10, i, 10);
    runUntil(300);
    // At once; for the 4th package (40); 100 ms later (140); for the 8th (180); 100 ms later.
    expect(sent).toEqual([0, 40, 140, 180, 280]);
  });

  it('acks at once past ACK_AFTER_BYTES received since its last package, so updates stay small', () => {
    const { sent, serve, runUntil } = client();
    serve(10, 1, 10);
    serve(30, 2, ACK_AFTER_BYTES + 10);
    serve(60, 3, ACK_AFTER_BYTES + 10);
    // Two packages of half as much, then a third: acked once they add up past it.
    const half = Math.ceil(ACK_AFTER_BYTES / 2);
    serve(70, 4, half);
    serve(80, 5, half);
    serve(85, 6, 10);
    runUntil(99);
    expect(sent).toEqual([0, 30, 60, 80]);
  });
});

describe('Connection with an rxgase session and messages larger than a datagram', () => {
  const session = Uint8Array.of(1, 1, 2, 3, 5, 8, 13, 21);
  /** Two rxgase peers over a memory network, every datagram between them noted. */
  function pair(options: Partial<ConnectionOptions<Package>> = {}) {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const network = new MemoryNetwork(scheduler);
    const a = network.bind({ host: 'a', port: 1 });
    const b = network.bind({ host: 'b', port: 2 });
    const sizes: number[] = [];
    const reassembly = new ReassemblyBudget(1 << 20);
    const connect = (self: typeof a, other: typeof a): Connection =>
      new Connection({
        remote: other.address,
        incoming$: self.datagrams$.pipe(map((d) => d.data)),
        send: (data) => {
          sizes.push(data.length);
          self.send({ data, address: other.address });
        },
        codec: plainPackages,
        scheduler,
        session,
        reassembly,
        ...options,
      });
    return { scheduler, a, b, sizes, reassembly, one: connect(a, b), two: connect(b, a) };
  }

  it('sends a 50 KB event in fragments of at most 1200 bytes, handed on whole and acked', () => {
    const { scheduler, sizes, one, two } = pair();
    const heard: GameEvent[] = [];
    two.open().events$.subscribe((e) => heard.push(e));
    const big = event(
      'BIG',
      Uint8Array.from({ length: 50_000 }, (_, i) => i % 241),
    );
    let acked = false;
    one
      .open()
      .dispatchEvent(big)
      .subscribe({ complete: () => (acked = true) });
    scheduler.schedule(() => {
      one.close();
      two.close();
    }, 500);
    scheduler.flush();
    expect(heard).toEqual([big]);
    expect(acked).toBe(true);
    expect(Math.max(...sizes)).toBe(MAX_DATAGRAM_SIZE);
    expect(two.stats).toMatchObject({ packagesIn: expect.any(Number), fragmentsDropped: 0 });
  });

  it('holds nothing for a fragment of another session, and drops it as undecodable', () => {
    const { scheduler, a, b, reassembly, two } = pair();
    two.open();
    const packet = encodeData(
      Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9),
      [],
      new Uint8Array(3000),
      5000,
    );
    const [first] = encodeFragments(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9), 1, packet);
    a.send({ data: first!, address: b.address });
    scheduler.schedule(() => {
      expect(reassembly.used).toBe(0);
      two.close();
    }, 10);
    scheduler.flush();
    expect(two.stats).toMatchObject({ dropped: 1, fragmentsDropped: 0 });
  });

  it('gives back what it held when it closes', () => {
    const { scheduler, a, b, reassembly, two } = pair();
    two.open();
    const [first] = encodeFragments(
      session,
      1,
      encodeData(session, [], new Uint8Array(3000), 5000),
    );
    a.send({ data: first!, address: b.address });
    let held = 0;
    scheduler.schedule(() => {
      held = reassembly.used;
      two.close();
    }, 10);
    scheduler.flush();
    expect(held).toBe(FRAGMENT_PAYLOAD_SIZE);
    expect(reassembly.used).toBe(0);
  });

  it('meters a package joined from fragments against the session budget, whole', () => {
    const budget = new BudgetMeter(
      { eventsPerSecond: 1, eventBurst: 255 },
      { scheduler: new VirtualTimeScheduler(), session, onFlood: () => undefined },
    );
    const { scheduler, a, b, two } = pair({ budget });
    const heard: GameEvent[] = [];
    two.open().events$.subscribe((e) => heard.push(e));
    // Two packages of 200 events, each in fragments: the second is over the burst of 255.
    for (const sequence of [1, 2]) {
      const events = Array.from({ length: 200 }, (_, i) => encodeEvent(event('E', sequence, i)));
      const header = { sequence, ack: 0, ackBitfield: 0 };
      const pkg = appendEvents(encodePackage({ header, events: [] }), events, 1 << 20);
      const ids = events.map((_, i) => sequence * 1000 + i);
      const packet = encodeData(session, ids, pkg, 1 << 20);
      for (const data of encodeFragments(session, sequence, packet)) {
        a.send({ data, address: b.address });
      }
    }
    scheduler.schedule(() => two.close(), 10);
    scheduler.flush();
    expect(two.stats).toMatchObject({ overBudget: 1, eventsOverBudget: 200, eventsIn: 200 });
    expect(heard).toHaveLength(200);
  });

  it('refuses a maxMessageSize that is not a whole number of at least 2048', () => {
    for (const maxMessageSize of [1000, 2047, 4096.5]) {
      expect(() => pair({ maxMessageSize })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
  });

  it('refuses at the call an event over maxMessageSize, and any over 2048 without a session', () => {
    const { one } = pair({ maxMessageSize: 4096 });
    expect(() => one.dispatchEvent(event('BIG', new Uint8Array(5000)))).toThrow(
      PackageOverflowError,
    );
    const { connection } = harness();
    expect(() => connection.dispatchEvent(event('BIG', new Uint8Array(3000)))).toThrow(
      PackageOverflowError,
    );
  });
});
