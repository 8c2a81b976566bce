import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { decodeClientPackage } from '../protocol/decode';
import { RxgaseError } from '../protocol/errors';
import type { ClientPackage } from '../protocol/packages';
import {
  DATA_OVERHEAD,
  PACKET_PREFIX_SIZE,
  PacketKind,
  TOKEN_SIZE,
  isRxgasePacket,
  sameBytes,
} from '../protocol/rxgasePackets';
import type { GameState } from '../state/gameState';
import type { Datagram } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { handOn } from '../util/handOn';
import { AddressKeys } from './addressKeys';
import { ControlPackets, ROUTE } from './controlPackets';
import type { Admitted, GateContext, Opening } from './gateContext';
import { RateLimiter } from './rateLimiter';
import { ShutdownRequests, isShutdownWord } from './shutdownRequests';

/**
 * Where a server's datagrams come in: each is counted, and goes to its client's connection, to a
 * step of the rxgase handshake, to PyGaSe's shutdown word, to a new PyGaSe client's connection,
 * or is dropped, in exactly one of the counts of `ServerStats`. A client's own session traffic
 * comes first and is never rate limited; the rest is, per address.
 *
 * The gate decides, and `demultiplex` after it hands on: what it admits goes to the group of its
 * address, which is its client's connection's `incoming$`.
 */
export class Gate<S extends GameState<object>> {
  private readonly limiter: RateLimiter | undefined;
  /**
   * New PyGaSe clients, across all addresses: each can try one guess at an ack, so a stranger
   * guessing sequence numbers gets that many tries a second, one in 65,535 each.
   */
  private readonly legacyJoins: RateLimiter | undefined;
  private readonly shutdowns: ShutdownRequests;
  private readonly packets: ControlPackets<S>;
  /** The datagram admitted last, and its address key: `keyOf` asks for it next. */
  private lastAdmitted: Admitted | undefined;
  private lastKey = '';
  private readonly keys = new AddressKeys();

  constructor(private readonly context: GateContext<S>) {
    this.limiter = context.rateLimit === false ? undefined : new RateLimiter(context.rateLimit);
    const joins = context.legacyJoinsPerSecond;
    this.legacyJoins =
      joins === false
        ? undefined
        : new RateLimiter({ datagramsPerSecond: joins, burst: 2 * joins, maxAddresses: 1 });
    this.shutdowns = new ShutdownRequests({ ...context, host: () => context.clients.host });
    this.packets = new ControlPackets(context, this.shutdowns);
  }

  /** The datagrams of `source` admitted, each as `admit` lets it through. */
  admitted(): OperatorFunction<Datagram, Admitted> {
    return (source) =>
      new Observable<Admitted>((subscriber) =>
        source.subscribe(
          handOn(
            (datagram) => {
              const clock = this.context.clock;
              clock?.hold();
              try {
                const admitted = this.admitOrDrop(datagram);
                if (admitted !== undefined) subscriber.next(admitted);
              } finally {
                clock?.release();
              }
            },
            (error) => subscriber.error(error),
            () => subscriber.complete(),
          ),
        ),
      );
  }

  /**
   * The address key of a datagram the gate admitted, to group it by: the one `admit` worked out
   * for it, not a second string for every datagram.
   */
  readonly keyOf = (admitted: Admitted): string =>
    admitted === this.lastAdmitted ? this.lastKey : this.keys.keyOf(admitted.address);

  /**
   * {@link admit}, with what it fails on contained to the datagram: a fault of the server's own
   * (no named error of a bad datagram) drops that datagram, counted as `malformed` and logged,
   * and the server goes on taking the others.
   */
  private admitOrDrop(datagram: Datagram): Admitted | undefined {
    try {
      return this.admit(datagram);
    } catch (error) {
      this.context.counts.malformed++;
      this.context.logger.error(
        `Dropped a datagram from ${addressKey(datagram.address)}: the server failed on it.`,
        error,
      );
      return undefined;
    }
  }

  /**
   * Takes a datagram: passes it on to its connection, passes on what opens a connection, or
   * answers it, or drops it; counted either way.
   */
  admit(datagram: Datagram): Admitted | undefined {
    const { data, address } = datagram;
    const counts = this.context.counts;
    counts.datagramsIn++;
    counts.bytesIn += data.length;
    const key = this.keys.keyOf(address);
    this.lastAdmitted = datagram;
    this.lastKey = key;
    const known = this.context.clients.get(key);
    // A client's own data, with its session token, is never limited: else anyone could silence
    // a client by flooding the server in its name.
    if (known?.handshake !== undefined && isSessionData(data, known.handshake.session)) {
      counts.routed++;
      return datagram;
    }
    if (this.limiter !== undefined && !this.limiter.allow(key, this.context.scheduler.now())) {
      counts.rateLimited++;
      return undefined;
    }
    if (isRxgasePacket(data)) {
      const outcome = this.packets.take(datagram, key, known);
      if (outcome === undefined) return undefined;
      return outcome === ROUTE ? datagram : this.opening(datagram, outcome);
    }
    if (isShutdownWord(data)) {
      this.shutdowns.fromWord(key, known);
      return undefined;
    }
    if (known !== undefined) {
      counts.routed++;
      return datagram;
    }
    let first: ClientPackage;
    try {
      first = decodeClientPackage(data);
    } catch (error) {
      if (!(error instanceof RxgaseError)) throw error;
      counts.malformed++;
      return undefined;
    }
    if (
      !this.context.legacyClients ||
      this.legacyJoins?.allow('pygase', this.context.scheduler.now()) === false ||
      !this.context.clients.makeRoomForUnverified(address)
    ) {
      counts.refused++;
      return undefined;
    }
    counts.routed++;
    return this.opening(datagram, { timeOrder: first.timeOrder });
  }

  /** A datagram that opens a client's connection, keyed as the datagram it comes of. */
  private opening(datagram: Datagram, opens: Opening): Admitted {
    const admitted = { ...datagram, opens };
    this.lastAdmitted = admitted;
    return admitted;
  }
}

/**
 * Whether `data` is an rxgase data packet, or a fragment of one, of the session `session`: its
 * connection checks the rest, holding nothing for a fragment of another session.
 */
function isSessionData(data: Uint8Array, session: Uint8Array): boolean {
  const kind = data[PACKET_PREFIX_SIZE - 1];
  return (
    data.length >= DATA_OVERHEAD &&
    (kind === PacketKind.Data || kind === PacketKind.Fragment || kind === PacketKind.SliceAck) &&
    isRxgasePacket(data) &&
    sameBytes(data.subarray(PACKET_PREFIX_SIZE, PACKET_PREFIX_SIZE + TOKEN_SIZE), session)
  );
}
