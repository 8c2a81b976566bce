import type { SchedulerLike, Subscriber, Subscription } from 'rxjs';
import type { Header } from '../protocol/header';
import type { Package } from '../protocol/packages';
import { sqnAdd, sqnBack } from '../protocol/sequence';
import { Handing, reportUnhandled } from '../util/handOn';
import { wrapTime } from '../util/wrappedTime';
import { congestionChecks } from './avoidCongestion';
import { RxgaseError } from '../protocol/errors';
import { decodeOrError } from './decodePackages';
import type { ExchangeOptions, PeerSignal } from './exchangePackages';
import { Pacer } from './paceSends';
import type { Paced } from './paceSends';
import { PendingAcks } from './resolveAcks';
import { smoothStep } from './smoothLatency';
import { takeSequence } from './trackReceived';
import type { WindowFields } from './trackReceived';
import { SilenceTimer } from './whenSilent';
import type { Hearing } from './whenSilent';

/** {@link ExchangeOptions} with every default taken. */
export interface ExchangeSettings<P extends Package> extends ExchangeOptions<P> {
  readonly ackEvery: number;
  readonly packageTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly scheduler: SchedulerLike;
}

/**
 * One subscription of `exchangePackages`: the steps of the single-purpose operators (the window of
 * `trackReceived`, the pending acks of `resolveAcks`, the latency of `smoothLatency`, the silence
 * of `whenSilent`, the pace of `paceSends` and the checks of `avoidCongestion`) held by one
 * object, which takes each datagram and sends each package in a call of its own. A server keeps
 * one for each client, whose datagrams come some 40 times a second: where the exchange was a
 * closure, two subjects and a chain of subscribers between the pace and the send, a datagram and
 * a package now touch this object and the steps' own.
 *
 * It is the subscriber to the datagrams itself, as RxJS's operators subscribe to their source
 * with a subscriber of their own: a datagram goes from its source's call straight to this object.
 * What taking one throws ends the exchange, as the source's errors do; the source completing
 * does not (the peer's silence ends it). It is no operator of its own: `exchangePackages` is,
 * and its marble specs (the subscriptions of the datagrams and of `urgent$` included) and
 * property spec are this class's.
 *
 * @internal
 */
export class Exchange<P extends Package>
  extends Handing<Uint8Array>
  implements Hearing, Paced, WindowFields
{
  // What each datagram and package reaches for comes first, in the order it does: V8 lays the
  // fields out as they are declared, and a connection's exchange is cold by its next datagram, so
  // the fewer cache lines these span, the fewer trips to memory it costs. What each datagram and
  // package asks for is held here rather than read from the settings: one object fewer to reach
  // for each, in a server whose thousands of connections take turns.
  private readonly admit: ((datagram: Uint8Array) => boolean) | undefined;
  private readonly decode: (datagram: Uint8Array) => P;
  private readonly scheduler: SchedulerLike;
  /**
   * When the peer was last heard from, wrapped (`wrapTime`): set here for each datagram, read by
   * the silence timer.
   */
  lastHeard = 0;
  /** The receive window (as `trackReceived` keeps it), in the exchange's own fields. */
  remoteSequence = 0;
  ackBits = 0;
  /** The package the last header received acks by its `ack` field: a latency sample. */
  private newestAcked = -1;
  private readonly acks: PendingAcks;
  /** Packages taken since the last send: what waits for an ack. */
  private unacked = 0;
  private readonly ackEvery: number;
  private readonly pacer: Pacer;
  /** The sequence number of the last package sent. */
  private sequence: number;
  private readonly encode: (header: Header) => Uint8Array | undefined;
  private readonly send: (datagram: Uint8Array) => void;
  private latencyMs = 0;
  /** The send interval congestion avoidance set last; 0 before its first setting. */
  private intervalMs = 0;
  private readonly silence: SilenceTimer;

  constructor(
    settings: ExchangeSettings<P>,
    private readonly subscriber: Subscriber<PeerSignal<P>>,
  ) {
    super();
    const { scheduler, packageTimeoutMs, connectionTimeoutMs } = settings;
    this.admit = settings.admit;
    this.encode = settings.encode;
    this.send = settings.send;
    this.ackEvery = settings.ackEvery;
    this.scheduler = scheduler;
    // The number before the first: sending adds one.
    this.sequence = sqnBack(settings.firstSequence ?? 1, 1);
    this.decode = settings.decode;
    this.acks = new PendingAcks(this, packageTimeoutMs, scheduler);
    this.silence = new SilenceTimer(
      () => {
        subscriber.next({ kind: 'silent', silentMs: connectionTimeoutMs });
        subscriber.complete();
      },
      connectionTimeoutMs,
      scheduler,
      this,
    );
    this.pacer = new Pacer(this, scheduler);
  }

  /**
   * Starts the congestion checks, whose first setting starts the send beat: a package goes out
   * at once. Congestion avoidance reads the latency twice a second.
   *
   * @return What ends the checks: for the subscription to hold, which ends them at once if
   *   the first send ended it already.
   */
  start(): Subscription {
    return congestionChecks(() => this.latencyMs, this.scheduler).subscribe(
      ({ quality, sendIntervalMs }) => {
        this.subscriber.next({ kind: 'congestion', quality, sendIntervalMs });
        if (sendIntervalMs !== this.intervalMs) {
          this.intervalMs = sendIntervalMs;
          this.pacer.setSendInterval(sendIntervalMs * this.ackEvery);
        }
      },
    );
  }

  /** Cancels the timers of the acks, the silence and the beat. */
  stop(): void {
    this.acks.stop();
    this.silence.stop();
    this.pacer.stop();
  }

  /** Takes a datagram; what that throws ends the exchange, as the source's errors do. */
  protected take(datagram: Uint8Array): void {
    this.receive(datagram);
  }

  protected failed(error: unknown): void {
    this.fail(error);
  }

  /**
   * The pace says send: the next package goes. What sending throws ends the exchange, as the
   * source's errors do; once it has ended (its encoder closed it, say), it is reported as RxJS
   * reports what nobody takes.
   *
   * @internal
   */
  paced(): void {
    try {
      this.sendNext();
    } catch (error) {
      if (this.subscriber.closed) reportUnhandled(error);
      else this.fail(error);
    }
  }

  /** Takes a datagram from the other peer. */
  private receive(datagram: Uint8Array): void {
    const { subscriber, admit } = this;
    if (admit !== undefined && !admit(datagram)) return;
    const pkg = decodeOrError(this.decode, datagram);
    if (pkg instanceof RxgaseError) {
      subscriber.next({ kind: 'dropped', reason: 'undecodable', error: pkg });
      return;
    }
    // Any package that decodes shows the peer is there, a duplicate too, as in PyGaSe.
    this.lastHeard = wrapTime(this.scheduler.now());
    const { header } = pkg;
    const verdict = takeSequence(this, header.sequence);
    if (verdict === 'duplicate' || verdict === 'stale') {
      subscriber.next({ kind: 'dropped', reason: verdict, sequence: header.sequence });
      return;
    }
    const window = { remoteSequence: this.remoteSequence, ackBitfield: this.ackBits >>> 0 };
    subscriber.next({ kind: 'received', package: pkg, window, late: verdict === 'late' });
    // Whoever took the package may have ended the exchange.
    if (subscriber.closed) return;
    this.newestAcked = header.ack;
    this.acks.receive(header);
    if (subscriber.closed) return;
    if (pkg.events.length > 0 || (this.ackEvery > 1 && ++this.unacked >= this.ackEvery)) {
      this.pacer.urgent();
    }
  }

  /**
   * A package sent was acked (the pending acks tell the exchange itself, with no closure between):
   * a latency sample if the header's `ack` named it.
   */
  acked(sequence: number, rttMs: number): void {
    if (sequence === this.newestAcked) this.latencyMs = smoothStep(this.latencyMs, rttMs);
    this.subscriber.next({ kind: 'acked', sequence, rttMs, latencyMs: this.latencyMs });
  }

  /** A package sent was not acked in time. */
  timedOut(sequence: number): void {
    this.subscriber.next({ kind: 'timedOut', sequence });
  }

  /** Asks for a package soon. */
  readonly hurry = (): void => this.pacer.urgent();

  /** Ends the exchange with an error. */
  readonly fail = (error: unknown): void => this.subscriber.error(error);

  private sendNext(): void {
    const next = sqnAdd(this.sequence, 1);
    const header: Header = {
      sequence: next,
      ack: this.remoteSequence,
      ackBitfield: this.ackBits >>> 0,
    };
    const datagram = this.encode(header);
    if (datagram === undefined) return;
    this.sequence = next;
    this.unacked = 0;
    this.acks.sent(next);
    this.send(datagram);
  }
}
