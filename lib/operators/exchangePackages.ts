import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { checkPositive } from '../options/checkOption';
import { ACK_BITFIELD_SIZE } from '../protocol/constants';
import { InvalidArgumentError } from '../protocol/errors';
import type { RxgaseError } from '../protocol/errors';
import type { Header } from '../protocol/header';
import type { Package } from '../protocol/packages';
import { handOn } from '../util/handOn';
import type { Quality } from './avoidCongestion';
import { Exchange } from './exchange';
import { PACKAGE_TIMEOUT_MS } from './resolveAcks';
import type { Received } from './trackReceived';
import { CONNECTION_TIMEOUT_MS } from './whenSilent';

/**
 * What one peer of a connection needs to exchange packages with the other. Every optional field
 * says its default.
 *
 * @category Operators
 */
export interface ExchangeOptions<P extends Package> {
  /** Reads a datagram; throws one of rxgase's named errors for a datagram to drop. */
  readonly decode: (datagram: Uint8Array) => P;
  /**
   * Whether a datagram goes on to be decoded, asked first of each: a session's budget, say. A
   * datagram it refuses is not decoded, is no sign of life and is signalled nowhere: whoever
   * refuses it counts it. Default: every datagram goes on. (The same as a `filter` before the
   * operator, without the hop a datagram would take through it.)
   */
  readonly admit?: (datagram: Uint8Array) => boolean;
  /**
   * Writes the package to send with this header (the events it carries are the caller's), or
   * returns `undefined` to send nothing this time: then the sequence number is not used.
   */
  readonly encode: (header: Header) => Uint8Array | undefined;
  /** Sends a datagram to the other peer. */
  readonly send: (datagram: Uint8Array) => void;
  /** Asks for a package soon, such as when an event was dispatched; default never. */
  readonly urgent$?: Observable<unknown>;
  /**
   * How many packages received may wait for their ack when there is nothing else to send;
   * default 1: a package every send interval, as PyGaSe sends. With `n` above 1, the keepalive beat is `n`
   * send intervals, and the `n`-th package received since the last send asks for one soon, which
   * acks it at once: a peer with nothing to say sends `n` times less while its acks come as fast.
   * A whole number from 1 to 32 (the ack bitfield's reach), else `exchangePackages` throws an
   * `InvalidArgumentError`.
   */
  readonly ackEvery?: number;
  /** The sequence number of the first package sent; default 1. */
  readonly firstSequence?: number;
  /** How long a sent package waits for its ack; default 1000 ms. */
  readonly packageTimeoutMs?: number;
  /** How long a silence lasts before the other peer counts as gone; default 5000 ms. */
  readonly connectionTimeoutMs?: number;
  /** Where time is read and every timer runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * What happened in an exchange of packages, in the order it happened.
 *
 * - `received`: a package taken for the first time, with the receive window after it.
 * - `acked`: a sent package acknowledged, with its round trip time and the smoothed latency
 *   after it. Only the package a header's `ack` names is a sample of the latency: one acked by
 *   the bitfield alone may have waited for its ack.
 * - `timedOut`: a sent package not acknowledged in time.
 * - `dropped`: a datagram that did not decode, or a package seen before or too old to tell.
 * - `congestion`: the link's quality and send interval, at the start and on each change.
 * - `silent`: nothing decodable came for the connection timeout; the exchange then completes.
 *
 * @category Operators
 */
export type PeerSignal<P extends Package> =
  | ({ readonly kind: 'received' } & Received<P>)
  | {
      readonly kind: 'acked';
      readonly sequence: number;
      readonly rttMs: number;
      readonly latencyMs: number;
    }
  | { readonly kind: 'timedOut'; readonly sequence: number }
  | { readonly kind: 'dropped'; readonly reason: 'undecodable'; readonly error: RxgaseError }
  | { readonly kind: 'dropped'; readonly reason: 'duplicate' | 'stale'; readonly sequence: number }
  | { readonly kind: 'congestion'; readonly quality: Quality; readonly sendIntervalMs: number }
  | { readonly kind: 'silent'; readonly silentMs: number };

/**
 * One peer of a PyGaSe connection, whole: the protocol's single-purpose operators composed into
 * one, from the datagrams the other peer sends to what became of them and of what was sent.
 *
 * On the receive path each datagram is decoded or dropped (as {@link decodePackages} does), run
 * through the receive window (as {@link trackReceived}), and the acks its header carries resolve
 * the packages sent (as {@link resolveAcks}), whose round trip times make the latency (as
 * {@link smoothLatency}); any package that decodes keeps the connection alive (as
 * {@link whenSilent}). On the send path a package goes out at once, then at the send interval
 * congestion avoidance sets (as {@link avoidCongestion}), and sooner when `urgent$` asks or a
 * received package carries events to ack (as {@link paceSends}); each carries the sequence number
 * after the last and acks what the window holds. The steps are those operators' own, held by one
 * object for each subscription, which takes each datagram and sends each package in a call: a
 * server runs this for each client, 40 datagrams a second each, where the chain of streams would
 * cost a hop and an allocation per operator.
 *
 * Every timer (the send beat, the ack timeout, the congestion checks, the silence) runs on the
 * scheduler and is cancelled when the subscription ends. The source completing does not end the
 * exchange, which still sends and hears nothing more: it ends `silent` after the timeout.
 *
 * Informally: datagrams in, a connection's whole protocol, what happened out.
 *
 * ## Example
 * ```ts
 * datagrams$.pipe(
 *   exchangePackages({
 *     decode: decodeServerPackage,
 *     encode: (header) => encodeClientPackage({ header, events: [] }),
 *     send: (datagram) => transport.send({ data: datagram, address: server }),
 *   }),
 * ).subscribe((signal) => {
 *   if (signal.kind === 'received') render(signal.package);
 *   if (signal.kind === 'silent') console.log('the server is gone');
 * });
 * ```
 *
 * @param options How to read, write and send packages, and the protocol's timings.
 * @throws {@link InvalidArgumentError} If `ackEvery` is not a whole number from 1 to 32.
 * @return An operator from the other peer's datagrams to the {@link PeerSignal}s of the
 *   exchange; it errors with what `decode` throws that is not one of rxgase's named errors, and
 *   with what `encode`, `send` or the source throw or emit as an error.
 *
 * @category Operators
 */
export function exchangePackages<P extends Package>(
  options: ExchangeOptions<P>,
): OperatorFunction<Uint8Array, PeerSignal<P>> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const packageTimeoutMs = options.packageTimeoutMs ?? PACKAGE_TIMEOUT_MS;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS;
  const { ackEvery = 1 } = options;
  checkPositive('ackEvery', ackEvery, { whole: true });
  if (ackEvery > ACK_BITFIELD_SIZE) {
    throw new InvalidArgumentError(
      `ackEvery must be at most ${ACK_BITFIELD_SIZE}, the packages an ack bitfield covers, got ${ackEvery}`,
    );
  }
  const settings = { ...options, scheduler, packageTimeoutMs, connectionTimeoutMs, ackEvery };
  return (datagrams$) =>
    new Observable<PeerSignal<P>>((subscriber) => {
      const exchange = new Exchange(settings, subscriber);
      subscriber.add(() => exchange.stop());
      // The exchange subscribes itself: what receiving throws ends it, as the source's errors do.
      subscriber.add(datagrams$.subscribe(exchange));
      if (options.urgent$ !== undefined) {
        subscriber.add(options.urgent$.subscribe(handOn(exchange.hurry, exchange.fail)));
      }
      subscriber.add(exchange.start());
    });
}
