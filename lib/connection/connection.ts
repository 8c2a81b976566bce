import {
  AsyncSubject,
  BehaviorSubject,
  ReplaySubject,
  Subject,
  Subscription,
  asyncScheduler,
  distinctUntilChanged,
  filter,
  map,
  merge,
  share,
  tap,
} from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import type { Quality } from '../operators/avoidCongestion';
import { avoidCongestion } from '../operators/avoidCongestion';
import { decodePackages } from '../operators/decodePackages';
import { paceSends } from '../operators/paceSends';
import type { AckOutcome, SentPackage } from '../operators/resolveAcks';
import { PACKAGE_TIMEOUT_MS, resolveAcks } from '../operators/resolveAcks';
import { smoothLatency } from '../operators/smoothLatency';
import type { ReceiveWindow, Received } from '../operators/trackReceived';
import { EMPTY_WINDOW, trackReceived } from '../operators/trackReceived';
import { CONNECTION_TIMEOUT_MS, whenSilent } from '../operators/whenSilent';
import { LENGTH_PREFIX_SIZE, MAX_PACKAGE_SIZE } from '../protocol/constants';
import { encodeEvent } from '../protocol/encode';
import { ConnectionClosedError, PackageOverflowError } from '../protocol/errors';
import type { GameEvent, Package } from '../protocol/packages';
import { sqnAdd } from '../protocol/sequence';
import type { Address } from '../transport/datagram';
import { OutgoingEvents } from './outgoingEvents';
import type { PackageCodec } from './packageCodec';
import type { ConnectionStats } from './stats';
import { emptyStats } from './stats';

/** The state of a connection, with PyGaSe's values. */
export const ConnectionStatus = {
  Disconnected: 0,
  Connected: 1,
  Connecting: 2,
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

/** What a connection is made of. Every optional field says its default. */
export interface ConnectionOptions<P extends Package> {
  /** The peer at the other end. */
  readonly remote: Address;
  /** The datagrams that peer sends, and only those. */
  readonly incoming$: Observable<Uint8Array>;
  /** Sends a datagram to that peer. */
  readonly send: (datagram: Uint8Array) => void;
  /** The kind of package, see {@link plainPackages} and {@link clientPackages}. */
  readonly codec: PackageCodec<P>;
  /** Where every timer of the connection runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** How long without a package before the connection counts as lost; default 5000 ms. */
  readonly connectionTimeoutMs?: number;
  /** How long a sent package waits for its ack; default 1000 ms. */
  readonly packageTimeoutMs?: number;
}

/** How an event is sent. */
export interface DispatchOptions {
  /** How many times to send the event again when the package carrying it times out; default 0. */
  readonly retries?: number;
}

/**
 * One peer of a PyGaSe connection: the protocol operators composed. It sends a package every send
 * interval (40 Hz, 20 Hz when the link is bad) and at once when there is an event to send or to
 * ack; keeps the receive window and acks what arrives; resolves the acks of what it sent, which
 * gives the latency and drives congestion avoidance; and counts as disconnected after 5 s of
 * silence.
 *
 * Every timer runs on the scheduler given, so two connections over a `MemoryNetwork` talk in
 * virtual time under a `TestScheduler`.
 *
 * ## Example
 * ```ts
 * const connection = new Connection({
 *   remote: server,
 *   incoming$: transport.datagrams$.pipe(filter((d) => d.address.port === server.port), map((d) => d.data)),
 *   send: (data) => transport.send({ data, address: server }),
 *   codec: plainPackages,
 * }).open();
 * connection.events$.subscribe((event) => console.log(event.type, event.args));
 * connection.dispatchEvent({ type: 'JOIN', args: ['ann'], kwargs: {} }, { retries: 3 }).subscribe({
 *   complete: () => console.log('JOIN arrived'),
 *   error: (error) => console.log('JOIN lost', error.code),
 * });
 * ```
 */
export class Connection<P extends Package = Package> {
  /** Disconnected, Connecting (opened, nothing received yet) or Connected. */
  readonly status$: Observable<ConnectionStatus>;
  /** The smoothed round trip time in milliseconds, after each ack. */
  readonly latency$: Observable<number>;
  /** Whether congestion avoidance sees the link as good or bad. */
  readonly quality$: Observable<Quality>;
  /** Every package received for the first time, with the receive window after it. */
  readonly packages$: Observable<Received<P>>;
  /** The events in those packages, in order. */
  readonly events$: Observable<GameEvent>;

  private readonly status = new BehaviorSubject<ConnectionStatus>(ConnectionStatus.Disconnected);
  private readonly latency = new BehaviorSubject<number>(0);
  private readonly quality = new BehaviorSubject<Quality>('good');
  private readonly packages = new Subject<Received<P>>();
  private readonly events = new Subject<GameEvent>();
  private readonly dispatched = new Subject<void>();
  private readonly sent = new Subject<SentPackage>();
  private readonly outgoing = new OutgoingEvents();
  private readonly running = new Subscription();
  private readonly counts: { -readonly [K in keyof ConnectionStats]: ConnectionStats[K] } =
    emptyStats();
  private readonly scheduler: SchedulerLike;
  private window: ReceiveWindow = EMPTY_WINDOW;
  private localSequence = 0;
  private opened = false;
  private closed = false;

  constructor(private readonly options: ConnectionOptions<P>) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.status$ = this.status.pipe(distinctUntilChanged());
    this.latency$ = this.latency.asObservable();
    this.quality$ = this.quality.pipe(distinctUntilChanged());
    this.packages$ = this.packages.asObservable();
    this.events$ = this.events.asObservable();
  }

  /** The peer at the other end. */
  get remote(): Address {
    return this.options.remote;
  }

  /** The current status. */
  get currentStatus(): ConnectionStatus {
    return this.status.value;
  }

  /** The current smoothed round trip time in milliseconds. */
  get currentLatency(): number {
    return this.latency.value;
  }

  /** What went in and out so far. */
  get stats(): ConnectionStats {
    return { ...this.counts };
  }

  /**
   * Starts the connection: status Connecting, a first package out at once, then the send beat.
   *
   * @return The connection, to chain.
   */
  open(): this {
    if (this.opened || this.closed) return this;
    this.opened = true;
    this.status.next(ConnectionStatus.Connecting);
    const { codec, scheduler } = { codec: this.options.codec, scheduler: this.scheduler };
    const counts = this.counts;

    const decoded$ = this.options.incoming$.pipe(
      tap((datagram) => {
        counts.datagramsIn++;
        counts.bytesIn += datagram.length;
      }),
      decodePackages(codec.decode, () => counts.dropped++),
      share(),
    );
    const received$ = decoded$.pipe(
      trackReceived((verdict) => counts[verdict === 'duplicate' ? 'duplicates' : 'stale']++),
      share(),
    );
    const outcomes$ = received$.pipe(
      map(({ package: pkg }) => pkg.header),
      resolveAcks(this.sent, this.options.packageTimeoutMs ?? PACKAGE_TIMEOUT_MS, scheduler),
      share(),
    );
    // Replayed: the send beat subscribes after the quality, and needs the first setting too.
    const congestion$ = this.latency.pipe(
      avoidCongestion(scheduler),
      share({ connector: () => new ReplaySubject(1) }),
    );
    const urgent$ = merge(
      this.dispatched,
      received$.pipe(filter(({ package: pkg }) => pkg.events.length > 0)),
    );

    // Whatever fails (the transport, a decoder's bug) ends the connection, as a timeout would.
    const fail = { error: () => this.close() };
    this.running.add(received$.subscribe({ next: (received) => this.receive(received), ...fail }));
    this.running.add(outcomes$.subscribe({ next: (outcome) => this.resolve(outcome), ...fail }));
    this.running.add(
      outcomes$
        .pipe(
          filter((outcome) => outcome.kind === 'acked'),
          map((outcome) => outcome.rttMs),
          smoothLatency(),
        )
        .subscribe({ next: (latency) => this.latency.next(latency), ...fail }),
    );
    this.running.add(
      congestion$.subscribe({ next: ({ quality }) => this.quality.next(quality), ...fail }),
    );
    // Any package that decodes shows the peer is there, a duplicate too, as in PyGaSe.
    this.running.add(
      decoded$
        .pipe(whenSilent(this.options.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS, scheduler))
        .subscribe({ next: () => this.close(), ...fail }),
    );
    this.running.add(
      urgent$
        .pipe(
          paceSends(
            congestion$.pipe(
              map(({ sendIntervalMs }) => sendIntervalMs),
              distinctUntilChanged(),
            ),
            scheduler,
          ),
        )
        .subscribe({ next: () => this.sendNextPackage(), ...fail }),
    );
    return this;
  }

  /**
   * Sends an event to the peer in the next package, which goes out promptly.
   *
   * The event is queued at once, whether or not the result is subscribed to; the result tells
   * what became of it: it completes when the peer acknowledged the package carrying the event, and
   * errors with an {@link AckTimeoutError} when that package and `retries` more timed out, or with
   * a {@link ConnectionClosedError} when the connection closed first.
   *
   * @throws {UnencodableValueError} If an argument of the event cannot be sent.
   * @throws {PackageOverflowError} If the event alone does not fit in a package.
   */
  dispatchEvent(event: GameEvent, options: DispatchOptions = {}): Observable<void> {
    const size = encodeEvent(event).length + LENGTH_PREFIX_SIZE;
    const room = MAX_PACKAGE_SIZE - this.options.codec.baseSize();
    if (size > room) {
      throw new PackageOverflowError(
        `the ${event.type} event takes ${size} bytes, a package has room for ${room}`,
      );
    }
    if (this.closed) {
      const closed = new AsyncSubject<void>();
      closed.error(
        new ConnectionClosedError(`the ${event.type} event was not sent: the connection is closed`),
      );
      return closed.asObservable();
    }
    const outcome = this.outgoing.add(event, size, options.retries ?? 0);
    this.counts.eventsOut++;
    this.dispatched.next();
    return outcome;
  }

  /**
   * Stops the connection: every timer is cancelled, status becomes Disconnected and the streams
   * complete; events not yet acknowledged fail with a {@link ConnectionClosedError}.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.running.unsubscribe();
    this.status.next(ConnectionStatus.Disconnected);
    const reason = new ConnectionClosedError(
      `the connection to ${this.remote.host}:${this.remote.port} closed`,
    );
    this.outgoing.clear(reason);
    for (const subject of [this.status, this.latency, this.quality, this.packages, this.events]) {
      subject.complete();
    }
    this.dispatched.complete();
    this.sent.complete();
  }

  private receive(received: Received<P>): void {
    this.window = received.window;
    this.counts.packagesIn++;
    if (this.status.value !== ConnectionStatus.Connected)
      this.status.next(ConnectionStatus.Connected);
    this.packages.next(received);
    for (const event of received.package.events) {
      this.counts.eventsIn++;
      this.events.next(event);
    }
  }

  private resolve(outcome: AckOutcome): void {
    if (outcome.kind === 'acked') {
      this.counts.acked++;
      this.outgoing.acked(outcome.sequence);
      return;
    }
    this.counts.timedOut++;
    const again = this.outgoing.timedOut(outcome.sequence);
    this.counts.resends += again;
    if (again > 0) this.dispatched.next();
  }

  private sendNextPackage(): void {
    const sequence = (this.localSequence = sqnAdd(this.localSequence, 1));
    const header = {
      sequence,
      ack: this.window.remoteSequence,
      ackBitfield: this.window.ackBitfield,
    };
    const batch = this.outgoing.take(MAX_PACKAGE_SIZE - this.options.codec.baseSize());
    let datagram: Uint8Array;
    try {
      datagram = this.options.codec.encode(
        header,
        batch.map((pending) => pending.event),
      );
    } catch (error) {
      // What rides besides the events could not be encoded: the events fail with the reason,
      // and the connection goes on.
      this.outgoing.fail(batch, error);
      this.counts.encodeFailures++;
      if (this.outgoing.waiting) this.dispatched.next();
      return;
    }
    this.outgoing.sent(sequence, batch);
    this.counts.datagramsOut++;
    this.counts.bytesOut += datagram.length;
    this.counts.eventsSent += batch.length;
    this.sent.next({ sequence });
    this.options.send(datagram);
    // Events that did not fit go in the next package, as soon as the pace allows.
    if (this.outgoing.waiting) this.dispatched.next();
  }
}
