import type { Observable, SchedulerLike } from 'rxjs';
import type { ReassemblyBudget } from '../operators/joinFragments';
import { checkPositive } from '../options/checkOption';
import { MAX_PACKAGE_SIZE } from '../protocol/constants';
import { TOKEN_SIZE } from '../protocol/rxgaseConstants';
import { InvalidArgumentError } from '../protocol/errors';
import type { Logger } from '../util/logger';
import type { Package } from '../protocol/packages';
import type { Address } from '../transport/datagram';
import type { PackageCodec } from './packageCodec';
import type { BudgetMeter } from './sessionBudget';
import type { Connection } from './connection';

/**
 * The state of a connection, with PyGaSe's values.
 *
 * @category Client
 */
export const ConnectionStatus = {
  Disconnected: 0,
  Connected: 1,
  Connecting: 2,
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

/**
 * How many packages an rxgase client with nothing to say lets wait for its ack (its
 * {@link ConnectionOptions.ackEvery}): it sends at once for every fourth package of the server's
 * 40 Hz beat, and every 100 ms at least, a quarter of PyGaSe's rate, and its acks come as fast.
 *
 * @category Protocol
 */
export const RXGASE_CLIENT_ACK_EVERY = 4;

/**
 * The bytes received since the last package sent past which a connection with an `ackEvery`
 * acks at once. A server sends a client what changed since the state the client last
 * acknowledged, so each package a client lets wait for its ack is sent again, in part, in every
 * later update; past this many bytes those repeats cost more than the ack, some 56 bytes on the
 * wire with its UDP and IP headers. A game whose updates are small keeps the rate `ackEvery` gives.
 *
 * @category Protocol
 */
export const ACK_AFTER_BYTES = 192;

/**
 * What a connection is made of. Every optional field says its default.
 *
 * @category Protocol
 */
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
  /**
   * The rxgase session token: given, packages go in rxgase data packets with this token and an id
   * for each event, and each event is handled once however often it arrives. Default none:
   * PyGaSe's packages, each event handled at least once.
   */
  readonly session?: Uint8Array;
  /**
   * With a `session`: the largest rxgase data packet sent or taken, in bytes; default 1 MiB
   * (`DEFAULT_MAX_MESSAGE_SIZE`). One over 1200 bytes (`MAX_DATAGRAM_SIZE`) goes in fragments,
   * joined again by the receiver (see {@link joinFragments}), so an event may be that large.
   * Both peers need room for what they send each other. PyGaSe's packages stay at 2048 bytes.
   * A whole number of at least 2048, else the constructor throws `InvalidArgumentError`.
   */
  readonly maxMessageSize?: number;
  /**
   * Where the bytes of messages held in part are counted: a server shares one among all its
   * connections. Default a budget of the connection's own, for 4 messages of `maxMessageSize`.
   */
  readonly reassembly?: ReassemblyBudget;
  /**
   * How many events may be queued or wait for their ack at once; default 1024.
   * A whole number above 0, else the constructor throws `InvalidArgumentError`.
   */
  readonly maxPendingEvents?: number;
  /**
   * How many packages received may wait for their ack when there is nothing to send; default 1,
   * PyGaSe's: a package every send interval. See {@link exchangePackages}' option of that name.
   * Past {@link ACK_AFTER_BYTES} bytes received since the last package sent, it acks at once all
   * the same.
   */
  readonly ackEvery?: number;
  /**
   * The sequence number of the first package sent; default 1. A server picks it at random for a
   * PyGaSe client, whose ack of it then shows that the client gets what is sent to its address.
   */
  readonly firstSequence?: number;
  /** Default silent; DEBUG for every package sent and received. */
  readonly logger?: Logger;
  /** Meters what the peer sends before it is decoded (a server's `sessionBudget`); default none. */
  readonly budget?: BudgetMeter;
  /**
   * The bytes per second the slices of the blocks sent may take, resends included (an rxgase
   * peer's; see {@link Connection.sendBlock}); default {@link DEFAULT_BLOCK_BANDWIDTH}, 1 MiB/s.
   * A number above 0, else the constructor throws `InvalidArgumentError`.
   */
  readonly bandwidth?: number;
  /**
   * The largest block taken from the peer, in bytes; default 0: none, its slices are dropped and
   * counted. A client takes its server's blocks (its large game states) up to 1 MiB.
   */
  readonly maxBlockSize?: number;
  /**
   * An rxgase connection whose link dropped ({@link Connection.drop}) that this one takes up
   * again, after its peer reconnected: this one sends the events the other still had to send,
   * with their ids and their outcomes, and tells the events it receives from those the other
   * received. Default none.
   */
  readonly resumes?: Connection<P>;
  /**
   * Whether the connection may be resumed once its link drops: when it falls silent it
   * {@link Connection.drop}s (closes, keeping its events for the connection that resumes it)
   * rather than closing. Default false.
   */
  readonly resumable?: boolean;
}

/**
 * How an event is sent.
 *
 * @category Protocol
 */
export interface DispatchOptions {
  /** How many times to send the event again when the package carrying it times out; default 0. */
  readonly retries?: number;
}

/** The most `maxMessageSize` may be, 8 MiB: the ack of a block that large still fits a datagram. */
const MAX_MESSAGE_SIZE_LIMIT = 8 * 1024 * 1024;

/**
 * Checks a `maxMessageSize`: a whole number, no less than a PyGaSe package, which every peer
 * must take, and at most 8 MiB.
 *
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkMaxMessageSize(size: number): void {
  checkPositive('maxMessageSize', size, { whole: true });
  if (size < MAX_PACKAGE_SIZE || size > MAX_MESSAGE_SIZE_LIMIT) {
    throw new InvalidArgumentError(
      `maxMessageSize must be from ${MAX_PACKAGE_SIZE}, a PyGaSe package, to ${MAX_MESSAGE_SIZE_LIMIT}, got ${size}`,
    );
  }
}

/**
 * Checks a connection's options, each as its documentation says.
 *
 * @throws {@link InvalidArgumentError} If one is not, naming it.
 */
export function checkConnectionOptions<P extends Package>(options: ConnectionOptions<P>): void {
  if (options.maxPendingEvents !== undefined) {
    checkPositive('maxPendingEvents', options.maxPendingEvents, { whole: true });
  }
  if (options.maxMessageSize !== undefined) checkMaxMessageSize(options.maxMessageSize);
  if (options.bandwidth !== undefined) checkPositive('bandwidth', options.bandwidth);
  if (options.maxBlockSize !== undefined && options.maxBlockSize !== 0) {
    checkPositive('maxBlockSize', options.maxBlockSize, { whole: true });
  }
  if (options.session !== undefined && options.session.length !== TOKEN_SIZE) {
    throw new InvalidArgumentError(
      `a session token has ${TOKEN_SIZE} bytes, got ${options.session.length}`,
    );
  }
}
