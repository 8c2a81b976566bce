import {
  EMPTY,
  defer,
  filter,
  firstValueFrom,
  map,
  merge,
  mergeMap,
  of,
  take,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import { Connection, ConnectionStatus, RXGASE_CLIENT_ACK_EVERY } from '../connection/connection';
import { clientPackages } from '../connection/packageCodec';
import {
  ConnectionClosedError,
  ConnectionRefusedError,
  MalformedPayloadError,
  WaitTimeoutError,
} from '../protocol/errors';
import type { CompactDecoder } from '../protocol/compactDecoder';
import { decodeUpdate } from '../protocol/decode';
import {
  BLOCK_CHANGES,
  BLOCK_WHOLE_STATE,
  DEFAULT_MAX_MESSAGE_SIZE,
} from '../protocol/rxgaseConstants';
import type { ServerPackage, UpdatePayload } from '../protocol/packages';
import type { Logger } from '../util/logger';
import type { CloseReason, RxgasePacket } from '../protocol/rxgasePackets';
import {
  PACKET_PREFIX_SIZE,
  PacketKind,
  isRxgasePacket,
  sameBytes,
} from '../protocol/rxgasePackets';
import type { Address, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import type { ResolvedClientOptions } from './clientOptions';
import type { Accepted, HandshakeAnswer } from './handshake';
import { handshake, packetsFrom } from './handshake';
import type { HeldTransport } from './heldTransport';

/*
 * A client's session with one server, beside the game's packages: the handshake that opens it, the
 * connection it carries and the close that ends it from the server's side (what the client says
 * as it leaves is farewell.ts').
 */

/**
 * The handshake with `server`, bounded by `timeoutMs` and by `left$`: resolves with what the
 * server accepted with. From the accept on, `transport` holds what comes in, for the connection
 * to take once attached (and the transport released). The client leaving (`left$`) ends it at
 * once, its resends with it.
 *
 * @throws {@link ConnectionRefusedError} If the server refused.
 * @throws {@link ConnectionClosedError} If the client left first.
 * @throws {@link WaitTimeoutError} If the server did not accept within `timeoutMs`.
 */
export async function handshakeWithin(
  transport: HeldTransport,
  server: Address,
  scheduler: SchedulerLike,
  timeoutMs: number,
  ignored: (answer: HandshakeAnswer) => void,
  left$: Observable<unknown>,
  ticket?: Uint8Array,
  resumes?: Uint8Array,
): Promise<Accepted> {
  const leaving$ = left$.pipe(
    mergeMap(() =>
      throwError(
        () => new ConnectionClosedError(`the client left before ${addressKey(server)} accepted it`),
      ),
    ),
  );
  try {
    return await firstValueFrom(
      merge(
        handshake(transport.source, server, scheduler, {
          ignored,
          ...(ticket && { ticket }),
          ...(resumes && { resumes }),
        }).pipe(
          tap(() => transport.hold()),
          timeout({ first: timeoutMs, scheduler }),
        ),
        leaving$,
      ),
    );
  } catch (error) {
    if (error instanceof ConnectionRefusedError || error instanceof ConnectionClosedError) {
      throw error;
    }
    throw new WaitTimeoutError(`${addressKey(server)} did not answer within ${timeoutMs} ms`, {
      cause: error,
    });
  }
}

/**
 * The connection to `server` over `transport`, not open yet: it reads the datagrams from the
 * server's address but the rxgase control packets, which are the client's.
 *
 * @param timeOrder The time order of the client's state, which its packages carry.
 * @param resumes The connection whose link dropped that this one takes up again.
 */
export function connectionTo(
  transport: Transport,
  server: Address,
  accepted: Accepted | undefined,
  timeOrder: () => number,
  { scheduler, logger, maxPendingEvents, maxMessageSize, reconnect }: ResolvedClientOptions,
  updates: CompactDecoder | undefined,
  resumes?: Connection<ServerPackage>,
): Connection<ServerPackage> {
  const from = addressKey(server);
  return new Connection<ServerPackage>({
    remote: server,
    incoming$: transport.datagrams$.pipe(
      filter(({ address, data }) => addressKey(address) === from && !isControlPacket(data)),
      map(({ data }) => data),
    ),
    send: (data) => transport.send({ data, address: server }),
    codec: clientPackages(timeOrder, updates),
    scheduler,
    logger,
    maxPendingEvents,
    // An rxgase client with nothing to say sends a quarter as often; a PyGaSe one keeps 40 Hz.
    ...(accepted === undefined
      ? {}
      : {
          session: accepted.session,
          resumable: reconnect !== false && accepted.resumeToken !== undefined,
          ...(resumes && { resumes }),
          ackEvery: RXGASE_CLIENT_ACK_EVERY,
          maxMessageSize,
          // A state past one datagram comes as a block, as large as a message may be.
          maxBlockSize: maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
        }),
  });
}

/** A game-state update as a client takes it: changes, or the whole state to replace its own. */
export interface Arrival {
  readonly update: UpdatePayload;
  readonly whole: boolean;
}

/**
 * The game-state updates a connection brings, in the order they came: those its packages carry,
 * and those too large for a package, which come as blocks (a first byte says whether the block
 * holds changes or the whole state). A block that is not an update is dropped and logged; from an
 * rxgase server, whose later updates may use what the block defined, it closes the connection.
 *
 * @param updates The reader of an rxgase server's compact updates, the one the connection's
 *   packages are read with: blocks and packages share the connection's dictionary.
 */
export function updatesFrom(
  connection: Connection<ServerPackage>,
  logger: Logger,
  updates: CompactDecoder | undefined,
): Observable<Arrival> {
  return merge(
    connection.packages$.pipe(
      map(({ package: pkg }) => pkg.update),
      filter((update): update is UpdatePayload => update !== undefined),
      map((update) => ({ update, whole: false })),
    ),
    connection.blocks$.pipe(
      mergeMap((block) => {
        try {
          if (block[0] !== BLOCK_CHANGES && block[0] !== BLOCK_WHOLE_STATE) {
            throw new MalformedPayloadError(`a block of unknown kind ${block[0]}`);
          }
          const update =
            updates === undefined
              ? decodeUpdate(block.subarray(1))
              : updates.decodeUpdate(block, 1, block.length);
          return of({ update, whole: block[0] === BLOCK_WHOLE_STATE });
        } catch (error) {
          const problem = `a block of ${block.length} bytes from ${addressKey(connection.remote)}: ${(error as Error).message}`;
          if (updates === undefined) {
            logger.warn(`Dropped ${problem}`);
            return EMPTY;
          }
          // The server holds the block's definitions known: without them no later update reads.
          logger.error(`Closing the connection, unable to read ${problem}`);
          connection.close('error');
          return EMPTY;
        }
      }),
    ),
  );
}

/**
 * The reason of the first close packet of `session` from `server`, which ends the connection.
 * Closes that do not carry the session token go to `ignored`.
 */
export function closeOf(
  transport: Transport,
  server: Address,
  session: Uint8Array,
  ignored: (close: HandshakeAnswer) => void,
): Observable<CloseReason> {
  return packetsFrom(transport, server).pipe(
    filter((packet): packet is Close => packet.kind === 'close'),
    filter((close) => {
      const bound = sameBytes(close.token, session);
      if (!bound) ignored(close);
      return bound;
    }),
    take(1),
    map((close) => close.reason),
  );
}

/**
 * Errors once `connection` is closed, now or later, so that a client waiting for its first state
 * is told at once, not when its wait times out: with a {@link ConnectionRefusedError} for a reason
 * of the server's (`state too large`, `kicked`, `shutdown`, ...), with a
 * {@link ConnectionClosedError} for one of its own (the client left, its link closed).
 */
export function closedBeforeState(
  connection: Connection<ServerPackage>,
  from: string,
): Observable<never> {
  // A close the server sent right behind its accept may have closed the connection already.
  const closed$ = defer(() =>
    connection.currentStatus === ConnectionStatus.Disconnected
      ? of(connection.closeReason)
      : connection.status$.pipe(
          filter((status) => status === ConnectionStatus.Disconnected),
          map(() => connection.closeReason),
        ),
  );
  return closed$.pipe(
    take(1),
    mergeMap((reason) => throwError(() => closedError(reason, from))),
  );
}

/**
 * Why a connection to `from` closed before the client had the game state, as a named error: a
 * {@link ConnectionRefusedError} for a reason of the server's, else a
 * {@link ConnectionClosedError}.
 */
export function closedError(
  reason: CloseReason = 'disconnected',
  from: string,
): ConnectionRefusedError | ConnectionClosedError {
  return OWN_REASONS.has(reason)
    ? new ConnectionClosedError(
        `the connection to ${from} closed before the client connected (${reason})`,
      )
    : new ConnectionRefusedError(
        `the server at ${from} closed the connection before the client connected: ${reason}`,
        reason,
      );
}

/** Why a client closes a connection itself, or the server holds it for its return. */
const OWN_REASONS: ReadonlySet<CloseReason> = new Set(['timeout', 'disconnected', 'dropped']);

type Close = Extract<RxgasePacket, { kind: 'close' }>;

/** Whether a datagram is an rxgase packet other than data: for the client, not its connection. */
function isControlPacket(data: Uint8Array): boolean {
  return isRxgasePacket(data) && !CONNECTION_KINDS.has(data[PACKET_PREFIX_SIZE - 1] as number);
}

/** The rxgase packets that belong to the connection: its packages and its blocks' slices. */
const CONNECTION_KINDS: ReadonlySet<number> = new Set([
  PacketKind.Data,
  PacketKind.Fragment,
  PacketKind.Slice,
  PacketKind.SliceAck,
]);
