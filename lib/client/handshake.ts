import {
  EMPTY,
  filter,
  ignoreElements,
  map,
  merge,
  mergeMap,
  share,
  switchMap,
  take,
  tap,
  throwError,
  timer,
} from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import { ConnectionRefusedError } from '../protocol/errors';
import type { RxgasePacket } from '../protocol/rxgasePackets';
import {
  TOKEN_SIZE,
  decodeRxgasePacket,
  encodeChallengeResponse,
  encodeConnectRequest,
  isRxgasePacket,
  sameBytes,
} from '../protocol/rxgasePackets';
import type { Address, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';

/** How long a client waits for each answer of the handshake before asking again. */
export const HANDSHAKE_RESEND_MS = 250;

/** What a handshake settles: the session token, and the host token if the client is the host. */
export interface Accepted {
  readonly session: Uint8Array;
  readonly hostToken: Uint8Array | undefined;
  /** The secret to resume the session with after a drop; none where the server holds no one. */
  readonly resumeToken?: Uint8Array | undefined;
}

/** How a handshake goes. Every field says its default. */
export interface HandshakeOptions {
  /** 8 bytes that tell this handshake's answers from others; default random. */
  readonly nonce?: Uint8Array;
  /**
   * Called with each answer from the server's address that does not echo the nonce: forged, or
   * left over from another handshake. It is not acted on. Default: nothing.
   */
  readonly ignored?: (packet: HandshakeAnswer) => void;
  /** What the server routes the client by: a room's ticket (see `RoomServer`); default none. */
  readonly ticket?: Uint8Array;
  /**
   * The resume token (its accept's) of the session the client takes up again, whose link
   * dropped: the challenge response carries it, and the server accepts with the same session.
   * Default none: a new one.
   */
  readonly resumes?: Uint8Array;
}

/** A packet the server answers a handshake step with. */
export type HandshakeAnswer = Extract<RxgasePacket, { kind: 'challenge' | 'accept' | 'close' }>;

/**
 * The client's side of the rxgase handshake: a connect request, sent again every 250 ms until the
 * server's challenge comes; the challenge's cookie echoed, sent again every 250 ms until the
 * server accepts. Emits what the server accepted with and completes; errors with a
 * {@link ConnectionRefusedError} when the server refuses (`server full`, `version mismatch`).
 * Never ends on its own otherwise: bound it with a timeout.
 *
 * Only answers that echo the request's nonce count: anyone can send datagrams from the server's
 * address, but only who saw the request knows the nonce. Others go to `ignored`.
 *
 * ## Example
 * ```ts
 * const { session, hostToken } = await firstValueFrom(
 *   handshake(transport, server, asyncScheduler).pipe(timeout({ first: 5000 })),
 * );
 * ```
 */
export function handshake(
  transport: Transport,
  server: Address,
  scheduler: SchedulerLike,
  options: HandshakeOptions = {},
): Observable<Accepted> {
  const { nonce = randomToken(), ignored = () => undefined, ticket, resumes } = options;
  const from = addressKey(server);
  const answers$ = packetsFrom(transport, server).pipe(
    filter((packet): packet is HandshakeAnswer => ANSWERS.has(packet.kind)),
    filter((answer) => {
      const bound = sameBytes(answer.kind === 'close' ? answer.token : answer.nonce, nonce);
      if (!bound) ignored(answer);
      return bound;
    }),
    share(),
  );
  /** Sends `request` until `answer$` emits, at once and every 250 ms. */
  const ask = <T>(request: Uint8Array, answer$: Observable<T>): Observable<T> =>
    merge(
      answer$,
      timer(0, HANDSHAKE_RESEND_MS, scheduler).pipe(
        tap(() => transport.send({ data: request, address: server })),
        ignoreElements(),
      ),
    ).pipe(take(1));
  const challenge$ = answers$.pipe(
    filter((p): p is Extract<RxgasePacket, { kind: 'challenge' }> => p.kind === 'challenge'),
  );
  const accept$ = answers$.pipe(
    filter((p): p is Extract<RxgasePacket, { kind: 'accept' }> => p.kind === 'accept'),
    map(({ session, hostToken, resumeToken }): Accepted => ({ session, hostToken, resumeToken })),
  );
  const refusal$ = answers$.pipe(
    filter((p): p is Extract<RxgasePacket, { kind: 'close' }> => p.kind === 'close'),
    mergeMap(({ reason }) =>
      throwError(
        () =>
          new ConnectionRefusedError(
            `the server at ${from} refused the connection: ${reason}`,
            reason,
          ),
      ),
    ),
  );
  // A link that closes (a WebSocket refused or dropped) will bring no answer: it fails at once.
  const linkClosed$ = linkClosedTo(transport, server).pipe(
    mergeMap(() =>
      throwError(() => new ConnectionRefusedError(`the link to ${from} closed`, 'disconnected')),
    ),
  );
  return merge(
    refusal$,
    linkClosed$,
    ask(encodeConnectRequest(nonce, undefined, ticket), challenge$).pipe(
      switchMap(({ cookie }) =>
        ask(encodeChallengeResponse(nonce, cookie, undefined, resumes), accept$),
      ),
    ),
  ).pipe(take(1));
}

const ANSWERS: ReadonlySet<RxgasePacket['kind']> = new Set(['challenge', 'accept', 'close']);

/** Each time `transport`'s link to `peer` closes (a WebSocket's); never over UDP. */
export function linkClosedTo(transport: Transport, peer: Address): Observable<Address> {
  const key = addressKey(peer);
  return (transport.closed$ ?? EMPTY).pipe(filter((address) => addressKey(address) === key));
}

/**
 * The rxgase packets `server` sends to `transport`, decoded; what does not decode is left out.
 * The client's connection takes the data packets itself: this is for the handshake and the close.
 */
export function packetsFrom(transport: Transport, server: Address): Observable<RxgasePacket> {
  const from = addressKey(server);
  return transport.datagrams$.pipe(
    filter(({ address, data }) => addressKey(address) === from && isRxgasePacket(data)),
    map(({ data }) => {
      try {
        return decodeRxgasePacket(data);
      } catch {
        return undefined;
      }
    }),
    filter((packet): packet is RxgasePacket => packet !== undefined),
  );
}

/** 8 random bytes, from the platform's cryptographic source (Node and browsers alike). */
export function randomToken(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(TOKEN_SIZE));
}
