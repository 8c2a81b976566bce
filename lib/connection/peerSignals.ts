import { tap } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import type { PeerSignal } from '../operators/exchangePackages';
import { exchangePackages } from '../operators/exchangePackages';
import { joinFragments } from '../operators/joinFragments';
import type { Header } from '../protocol/header';
import type { Package } from '../protocol/packages';
import type { ConnectionOptions } from './connectionOptions';
import type { Framed, Framing } from './framing';
import { pygaseFraming } from './framing';
import type { ConnectionCounts } from './stats';

/** What the operators of a connection need of the connection itself. */
export interface PeerHooks {
  readonly framing: Framing;
  readonly counts: ConnectionCounts;
  readonly scheduler: SchedulerLike;
  /** Asks for a package soon. */
  readonly urgent$: Observable<void>;
  /**
   * Whether a datagram (or a package joined from fragments) goes on to the exchange. Without a
   * session, it counts each datagram in `counts` too, as the datagram comes: there are no
   * fragments to count before.
   */
  readonly admit: (datagram: Uint8Array) => boolean;
  /** The package to send with this header, or none this time. */
  readonly encode: (header: Header) => Uint8Array | undefined;
}

/**
 * A connection's datagrams, through its operators, to what happened: each datagram counted; an
 * rxgase peer's fragments joined (`joinFragments`), so a package larger than a datagram is
 * decoded, windowed and acked once it is whole; each admitted by the connection (its session
 * budget, its blocks' slices); then the whole protocol of one peer (`exchangePackages`), whose
 * packages go out in the connection's framing.
 */
export function peerSignals<P extends Package>(
  options: ConnectionOptions<P>,
  { framing, counts, scheduler, urgent$, admit, encode }: PeerHooks,
): Observable<PeerSignal<Framed<P>>> {
  const { codec, send } = options;
  // Metered whole, so that fragmenting a package does not take it past the session's budget.
  // Without fragments, `admit` counts each datagram as the exchange asks of it: no hop of its own.
  const whole$: Observable<Uint8Array> =
    options.session === undefined
      ? options.incoming$
      : options.incoming$.pipe(
          tap((datagram) => countIn(counts, datagram)),
          joinFragments({
            session: options.session,
            maxMessageSize: framing.maxSize,
            timeoutMs: options.packageTimeoutMs,
            budget: options.reassembly,
            scheduler,
            dropped: (dropped) => {
              counts.fragmentsDropped += dropped;
            },
          }),
        );
  // PyGaSe's framing is none: its packages are decoded and sent as they are, with no call between
  // (each one more object of its own that a connection reaches for, some 40 times a second).
  const bare = framing === pygaseFraming;
  return whole$.pipe(
    exchangePackages<Framed<P>>({
      decode: bare
        ? (codec.decode as (datagram: Uint8Array) => Framed<P>)
        : (datagram) => framing.decode(datagram, codec.decode),
      admit,
      encode,
      send: bare ? send : (packet) => framing.send(packet, send),
      urgent$,
      ackEvery: options.ackEvery,
      firstSequence: options.firstSequence,
      packageTimeoutMs: options.packageTimeoutMs,
      connectionTimeoutMs: options.connectionTimeoutMs,
      scheduler,
    }),
  );
}

/** Counts a datagram that came in. */
export function countIn(counts: ConnectionCounts, datagram: Uint8Array): void {
  counts.datagramsIn++;
  counts.bytesIn += datagram.length;
}
