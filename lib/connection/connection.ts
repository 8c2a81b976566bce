import {
  AsyncSubject,
  BehaviorSubject,
  EMPTY,
  Observable,
  Subject,
  Subscription,
  asyncScheduler,
  distinctUntilChanged,
  endWith,
  ignoreElements,
  interval,
  map,
  startWith,
  takeUntil,
} from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type { Quality } from '../operators/avoidCongestion';
import type { PeerSignal } from '../operators/exchangePackages';
import type { Received } from '../operators/trackReceived';
import { encodeEvent } from '../protocol/encode';
import {
  ConnectionClosedError,
  EventQueueFullError,
  InvalidArgumentError,
  PackageOverflowError,
} from '../protocol/errors';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import type { CloseReason } from '../protocol/rxgasePackets';
import type { GameEvent, Package } from '../protocol/packages';
import type { Header } from '../protocol/header';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { DEFAULT_BLOCK_BANDWIDTH } from './blockSender';
import { ConnectionBlocks } from './blocks';
import { countIn, peerSignals } from './peerSignals';
import { DEFAULT_MAX_PENDING_EVENTS } from './eventIds';
import type { SeenEventIds } from './eventIds';
import type { Framed, Framing } from './framing';
import { eventSize, pygaseFraming, rxgaseFraming } from './framing';
import { OutgoingEvents } from './outgoingEvents';
import { PackageWriter } from './packageWriter';
import type { ConnectionCounts, ConnectionStats } from './stats';
import { emptyStats, statsOf } from './stats';

import type { ConnectionOptions, DispatchOptions } from './connectionOptions';
import { ACK_AFTER_BYTES, ConnectionStatus, checkConnectionOptions } from './connectionOptions';
import { handTo } from '../util/handOn';
import { Multicast } from '../util/multicast';

export { ACK_AFTER_BYTES, ConnectionStatus, RXGASE_CLIENT_ACK_EVERY } from './connectionOptions';
export type { ConnectionOptions, DispatchOptions } from './connectionOptions';

// Past ~300 lines with its documentation: one role, the public face of one connection; the
// protocol is exchangePackages' (see peerSignals), the package assembly PackageWriter's, the
// blocks ConnectionBlocks', the options and their checks their file's.
/**
 * Takes each package a connection receives for the first time (see `Connection.watchPackages`).
 *
 * @internal
 */
export interface PackageWatcher<P extends Package> {
  took(received: Received<Framed<P>>): void;
}

/**
 * One peer of a PyGaSe connection: the public face of {@link exchangePackages}, which runs the
 * protocol on the datagrams from the peer (`incoming$.pipe(exchangePackages(...))`). It sends a
 * package every send interval (40 Hz, 20 Hz when the link is bad) and at once when there is an
 * event to send or to ack; keeps the receive window and acks what arrives; resolves the acks of
 * what it sent, which gives the latency and drives congestion avoidance; and counts as
 * disconnected after 5 s of silence. On top of that it queues the events to send, resends them
 * when their package is lost, hands on the events received, and counts everything.
 *
 * With an rxgase `session`, packages up to `maxMessageSize` go as fragments when they are larger
 * than a datagram, and {@link joinFragments} joins those it receives in front of the exchange
 * (`incoming$.pipe(tap(count), joinFragments(...), exchangePackages({ admit, ... }))`): a
 * package is metered against the session's budget (the exchange's `admit`), decoded, windowed and
 * acked once, when it is whole.
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
 *
 * @category Protocol
 */
export class Connection<P extends Package = Package> {
  // What each datagram and package reaches for comes first, in this order: V8 lays an object's
  // fields out as they are declared, and a connection's are cold by its next datagram, so the
  // fewer cache lines they span, the fewer trips to memory it costs.
  private readonly counts: ConnectionCounts = emptyStats();
  /** The session's budget, read for each datagram: held here, not reached for in the options. */
  private readonly budget: ConnectionOptions<P>['budget'];
  private readonly framing: Framing;
  /** An rxgase peer's blocks, both ways. */
  private readonly blocks: ConnectionBlocks | undefined;
  private readonly writer: PackageWriter<P>;
  private readonly outgoing: OutgoingEvents;
  /** Who takes each new package first, called directly (see {@link watchPackages}). */
  private watcher: PackageWatcher<P> | undefined;
  // Emitted for every package and event: Multicasts, which allocate nothing for a value.
  private readonly packages = new Multicast<Received<Framed<P>>>();
  private readonly events = new Multicast<GameEvent>();
  /**
   * The codec's `acked`, read once: for each ack, the options and the codec are two objects
   * fewer to reach for, and none for a codec that does not track acks (PyGaSe's).
   */
  private readonly codecAcked: ((sequence: number) => void) | undefined;
  /** The options' `ackEvery`, read for each package. */
  private readonly ackEvery: number;
  /** The size of the last datagram (or package joined from fragments) admitted. */
  private lastSize = 0;
  /**
   * Whether blocks are on their way or waiting: only then does a package reach for them, cold in
   * the cache in a server whose clients mostly have none.
   */
  private sendingBlocks = false;
  /** The bytes of the packages received since the last package sent, which acked them. */
  private bytesUnacked = 0;
  /** Whether a package came: the connection is Connected (a field, not the status read each time). */
  private heard = false;
  /** Whether anyone listens to the line logged for each package: else it is not even written. */
  private readonly logsPackages: boolean;
  /** How many subscribe to `latency$` now. */
  private latencyListeners = 0;
  /** The smoothed round trip, set on every ack; `latency` tells it only while it is listened to. */
  private latencyMs = 0;

  /** Disconnected, Connecting (opened, nothing received yet) or Connected. */
  readonly status$: Observable<ConnectionStatus>;
  /** The smoothed round trip time in milliseconds, after each ack. */
  readonly latency$: Observable<number>;
  /** Whether congestion avoidance sees the link as good or bad. */
  readonly quality$: Observable<Quality>;
  /** Every package received for the first time, with the receive window after it. */
  readonly packages$: Observable<Received<Framed<P>>>;
  /** The events in those packages, in order. */
  readonly events$: Observable<GameEvent>;
  /** Each block the peer sent (see {@link sendBlock}), once whole; none without `maxBlockSize`. */
  readonly blocks$: Observable<Uint8Array>;

  private readonly status = new BehaviorSubject<ConnectionStatus>(ConnectionStatus.Disconnected);
  private readonly latency = new BehaviorSubject<number>(0);
  private readonly quality = new BehaviorSubject<Quality>('good');
  /** Asks for a package soon: an event to send, or one to ack. */
  private readonly urgent = new Subject<void>();
  private readonly running = new Subscription();
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;
  private readonly name: string;
  private reason: CloseReason | undefined;
  private opened = false;
  private closed = false;
  /** Whether a close is on its way, on the next turn. */
  private closing = false;
  /** Whether the link dropped: closed, its events kept for a connection that resumes it. */
  private dropped = false;

  constructor(private readonly options: ConnectionOptions<P>) {
    checkConnectionOptions(options);
    this.scheduler = options.scheduler ?? asyncScheduler;
    const resumed = options.resumes?.handOver();
    this.outgoing = resumed?.outgoing ?? new OutgoingEvents();
    this.framing =
      options.session === undefined
        ? pygaseFraming
        : rxgaseFraming(options.session, options.maxMessageSize, resumed?.seen);
    this.writer = new PackageWriter(this.outgoing, this.framing, options.codec, this.counts);
    this.budget = options.budget;
    this.ackEvery = options.ackEvery ?? 1;
    this.codecAcked = options.codec.acked?.bind(options.codec);
    this.logger = options.logger ?? silentLogger;
    this.logsPackages = this.logger !== silentLogger;
    this.name = addressKey(options.remote);
    this.status$ = this.status.pipe(distinctUntilChanged());
    // Brought up to date as it is subscribed to: acks only tell it while someone listens, which
    // the connection counts itself rather than ask the subject for each ack.
    this.latency$ = new Observable<number>((subscriber) => {
      if (this.latency.value !== this.latencyMs) this.latency.next(this.latencyMs);
      this.latencyListeners++;
      const listening = this.latency.subscribe(subscriber);
      return () => {
        this.latencyListeners--;
        listening.unsubscribe();
      };
    });
    this.quality$ = this.quality.pipe(distinctUntilChanged());
    this.packages$ = this.packages.observable;
    this.events$ = this.events.observable;
    this.blocks =
      options.session === undefined
        ? undefined
        : new ConnectionBlocks({
            session: options.session,
            send: options.send,
            bandwidth: options.bandwidth ?? DEFAULT_BLOCK_BANDWIDTH,
            maxBlockSize: options.maxBlockSize ?? 0,
            counts: this.counts,
            dropped: (reason) => this.logger.debug(`Dropped from ${this.name}: ${reason}.`),
            tooLarge: (size) => {
              if (this.closing) return;
              this.closing = true;
              this.logger.warn(
                `${this.name} sends a block of ${size} bytes, over maxBlockSize ${options.maxBlockSize ?? 0}: closing.`,
              );
              // Not from within the datagram being taken: on the next turn.
              this.scheduler.schedule(() => this.close('state too large'));
            },
          });
    this.blocks$ = this.blocks?.blocks$ ?? EMPTY;
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
    return this.latencyMs;
  }

  /**
   * The link's quality as congestion avoidance judges it now: `bad` while it sends at half the
   * rate (after a latency past 250 ms, until good conditions held long enough).
   */
  get currentQuality(): Quality {
    return this.quality.value;
  }

  /** Whether a link that drops leaves the connection's events for one that resumes it. */
  get isResumable(): boolean {
    return this.options.resumable === true;
  }

  /**
   * Whether the link dropped ({@link drop}): the connection is closed, and the events it had to
   * send wait for a connection that resumes it; until then {@link dispatchEvent} queues more.
   */
  get isDropped(): boolean {
    return this.dropped;
  }

  /** Why the connection closed; undefined while it is open. */
  get closeReason(): CloseReason | undefined {
    return this.reason;
  }

  /** What went in and out so far, the round trip time, and what is pending now. */
  get stats(): ConnectionStats {
    return statsOf(this.counts, this.latencyMs, this.outgoing.pending);
  }

  /**
   * The stats every `periodMs` (default 1000) on the connection's scheduler, from subscription
   * until the connection closes.
   */
  stats$(periodMs = 1000): Observable<ConnectionStats> {
    return interval(periodMs, this.scheduler).pipe(
      startWith(0),
      // The status completes when the connection closes.
      takeUntil(this.status.pipe(ignoreElements(), endWith(undefined))),
      map(() => this.stats),
    );
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
    const signals$ = peerSignals(this.options, {
      framing: this.framing,
      counts: this.counts,
      scheduler: this.scheduler,
      urgent$: this.urgent,
      // Bound, not closures: the function and the connection are all a call reaches for.
      admit: this.admit.bind(this),
      encode: this.nextPackage.bind(this),
    });
    // Whatever fails (the transport, a decoder's bug) ends the connection.
    this.running.add(signals$.subscribe(handTo(this, () => this.close('error'))));
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
   * @throws {@link UnencodableValueError} If an argument of the event cannot be sent.
   * @throws {@link PackageOverflowError} If the event alone does not fit in a package.
   * @throws {@link EventQueueFullError} If `maxPendingEvents` events are queued or unacknowledged,
   *   or the oldest of them is 4096 event ids behind (a receiver could no longer tell it apart).
   */
  dispatchEvent(event: GameEvent, options: DispatchOptions = {}): Observable<void> {
    const bytes = encodeEvent(event, this.framing.maxSize);
    const size = eventSize(bytes.length, this.framing);
    const room = this.writer.room();
    if (size > room) {
      throw new PackageOverflowError(
        `the ${event.type} event takes ${size} bytes, a package has room for ${room}`,
      );
    }
    if (this.closed && !this.dropped) {
      const closed = new AsyncSubject<void>();
      closed.error(
        new ConnectionClosedError(`the ${event.type} event was not sent: the connection is closed`),
      );
      return closed.asObservable();
    }
    const refusal = this.outgoing.refusal(
      this.options.maxPendingEvents ?? DEFAULT_MAX_PENDING_EVENTS,
    );
    if (refusal !== undefined) {
      throw new EventQueueFullError(`${refusal}; the ${event.type} event was not queued`);
    }
    const outcome = this.outgoing.add(event, bytes, size, options.retries ?? 0);
    this.counts.eventsOut++;
    if (!this.closed) this.urgent.next();
    return outcome;
  }

  /**
   * Sends `bytes` to an rxgase peer as a block: a message too large for a package, sent reliably
   * beside the packages in slices of a datagram each, within the `bandwidth` budget, each slice
   * resent only when its ack is overdue. Blocks go one after another, in the order given; the
   * peer takes them if its connection has a `maxBlockSize` they fit.
   *
   * The block is queued at once, whether or not the result is subscribed to; the result
   * completes when the peer holds every slice, and errors with a {@link ConnectionClosedError}
   * when the connection closes first.
   *
   * @throws {@link InvalidArgumentError} If the peer speaks PyGaSe, which has no blocks.
   * @throws {@link PackageOverflowError} If the block is over 77 MB (65,535 slices).
   */
  sendBlock(bytes: Uint8Array): Observable<void> {
    if (this.blocks === undefined) {
      throw new InvalidArgumentError(
        'a PyGaSe peer takes no blocks: only an rxgase session has them',
      );
    }
    if (this.closed) {
      const closed = new AsyncSubject<void>();
      closed.error(new ConnectionClosedError('the block was not sent: the connection is closed'));
      return closed.asObservable();
    }
    const outcome = this.blocks.send(bytes);
    this.sendingBlocks = true;
    this.urgent.next();
    return outcome;
  }

  /**
   * Stops the connection: every timer is cancelled, status becomes Disconnected and the streams
   * complete; events not yet acknowledged fail with a {@link ConnectionClosedError}. A connection
   * whose link dropped ({@link drop}) fails the events it kept.
   *
   * @param reason Why, as {@link closeReason} tells; default `disconnected`.
   */
  close(reason: CloseReason = 'disconnected'): void {
    if (this.dropped) {
      this.dropped = false;
      this.outgoing.clear(
        new ConnectionClosedError(`the connection to ${this.name} dropped (${this.reason})`),
      );
      return;
    }
    if (this.closed) return;
    this.stop(reason);
    const closed = new ConnectionClosedError(`the connection to ${this.name} closed (${reason})`);
    this.outgoing.clear(closed);
    this.blocks?.close(closed);
  }

  /**
   * The link dropped (its peer fell silent, its WebSocket closed): the connection closes as
   * {@link close} does, but, if it is `resumable`, the events it had to send, and any dispatched
   * from now on, wait for a connection that resumes it (its `resumes` option) once the peer
   * reconnects, or for {@link close}, which fails them. Blocks under way fail: the resumed
   * connection sends what its peer lacks afresh. A connection not `resumable` just closes.
   *
   * @param reason Why, as {@link closeReason} tells: `timeout` or `disconnected`.
   */
  drop(reason: CloseReason): void {
    if (!this.isResumable) return this.close(reason);
    if (this.closed) return;
    this.dropped = true;
    this.stop(reason);
    this.blocks?.close(
      new ConnectionClosedError(`the connection to ${this.name} dropped (${reason})`),
    );
  }

  /**
   * Hands each package received for the first time to `watcher`, before `packages$` and before
   * its events: a server's reader of what its client reports, called directly where a
   * subscription would be three objects more to reach for, 40 times a second, for each client.
   * What `took` throws closes the connection (`error`). One watcher; a second replaces the first.
   *
   * @internal
   */
  watchPackages(watcher: PackageWatcher<P>): void {
    this.watcher = watcher;
  }

  /**
   * Hands what a dropped connection kept to the connection that resumes it: its events, those in
   * flight queued again, and the ids of the events it received. Once.
   *
   * @internal
   * @throws {@link InvalidArgumentError} If the connection is not dropped, or handed over already.
   */
  handOver(): { readonly outgoing: OutgoingEvents; readonly seen: SeenEventIds | undefined } {
    if (!this.dropped) {
      throw new InvalidArgumentError(
        `the connection to ${this.name} cannot be resumed: its link did not drop, or it was resumed already`,
      );
    }
    this.dropped = false;
    this.outgoing.resendInFlight();
    return { outgoing: this.outgoing, seen: this.framing.seen };
  }

  /** Cancels every timer, says Disconnected and completes the streams. */
  private stop(reason: CloseReason): void {
    this.closed = true;
    this.reason = reason;
    this.running.unsubscribe();
    this.status.next(ConnectionStatus.Disconnected);
    for (const subject of [this.status, this.latency, this.quality, this.packages, this.events]) {
      subject.complete();
    }
    this.urgent.complete();
  }

  /** Meters a datagram, or a package joined from fragments, against the session's budget. */
  private admit(datagram: Uint8Array): boolean {
    // Without a session there are no fragments: each datagram is counted as it is asked of.
    if (this.framing === pygaseFraming) countIn(this.counts, datagram);
    this.lastSize = datagram.length;
    if (this.budget?.admit(datagram, this.counts) === false) return false;
    if (this.blocks === undefined || !ConnectionBlocks.isBlockPacket(datagram)) return true;
    this.blocks.take(datagram, this.scheduler.now());
    return false;
  }

  /**
   * What the exchange of packages did: its subscriber calls this, with no function between.
   *
   * @internal
   */
  handle(signal: PeerSignal<Framed<P>>): void {
    const counts = this.counts;
    switch (signal.kind) {
      case 'received':
        return this.receive(signal);
      case 'acked':
        counts.acked++;
        this.outgoing.acked(signal.sequence);
        this.codecAcked?.(signal.sequence);
        this.latencyMs = signal.latencyMs;
        if (this.latencyListeners > 0) this.latency.next(signal.latencyMs);
        return;
      case 'timedOut': {
        counts.timedOut++;
        this.options.codec.lost?.(signal.sequence);
        const again = this.outgoing.timedOut(signal.sequence);
        counts.resends += again;
        if (again > 0) this.urgent.next();
        return;
      }
      case 'dropped':
        if (signal.reason !== 'undecodable') {
          counts[signal.reason === 'duplicate' ? 'duplicates' : 'stale']++;
          return;
        }
        counts.dropped++;
        return this.logger.debug(`Dropped a datagram from ${this.name}: ${signal.error.message}`);
      case 'congestion':
        return this.quality.next(signal.quality);
      case 'silent':
        return this.drop('timeout');
    }
  }

  /** A package taken for the first time: handed on, with its events not seen before. */
  private receive(received: Received<Framed<P>>): void {
    this.counts.packagesIn++;
    if (!this.heard) {
      this.heard = true;
      this.status.next(ConnectionStatus.Connected);
    }
    if (this.logsPackages)
      this.logger.debug(`Received package ${received.package.header.sequence} from ${this.name}.`);
    this.watcher?.took(received);
    this.packages.next(received);
    // The exchange takes each datagram in the call that admitted it: its size is this package's.
    this.bytesUnacked += this.lastSize;
    if (this.bytesUnacked > ACK_AFTER_BYTES && this.ackEvery > 1) {
      this.urgent.next();
    }
    const { events, eventIds } = received.package;
    for (let i = 0; i < events.length; i++) {
      if (!this.framing.firstTime(eventIds?.[i])) {
        this.counts.duplicateEvents++;
        continue;
      }
      this.counts.eventsIn++;
      this.events.next(events[i] as GameEvent);
    }
  }

  /** The package to send with this header: the events waiting that fit, or none. */
  private nextPackage(header: Header): Uint8Array | undefined {
    // The slices due go out on the send beat, before the package, once the peer acked a package:
    // its connection is open (slices before it would be lost), and the round trip is known.
    if (this.sendingBlocks && this.counts.acked > 0) {
      this.sendingBlocks = (this.blocks as ConnectionBlocks).pump(
        this.scheduler.now(),
        this.latencyMs,
      );
    }
    const datagram = this.writer.write(header);
    if (datagram !== undefined) this.bytesUnacked = 0;
    if (datagram !== undefined && this.logsPackages)
      this.logger.debug(
        `Sent package ${header.sequence} to ${this.name} (${datagram.length} bytes).`,
      );
    // Events that did not fit (or whose package failed) go in the next one, as soon as the pace
    // allows; the connection goes on.
    if (this.outgoing.waiting) this.urgent.next();
    return datagram;
  }
}
