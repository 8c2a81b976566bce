import { randomBytes } from 'node:crypto';
import type { Observable, SchedulerLike } from 'rxjs';
import { Connection, ConnectionStatus } from '../connection/connection';
import { BudgetMeter } from '../connection/sessionBudget';
import type { SessionBudget } from '../connection/sessionBudget';
import type { ReassemblyBudget } from '../operators/joinFragments';
import { SentDictionary } from '../protocol/sentDictionary';
import type { ClientPackage, GameEvent } from '../protocol/packages';
import { DATA_OVERHEAD } from '../protocol/rxgasePackets';
import type { CloseReason } from '../protocol/rxgasePackets';
import type { GameState } from '../state/gameState';
import type { Address, Route } from '../transport/datagram';
import type { Logger } from '../util/logger';
import { ClientLink } from './clientLink';
import type { AckVerdict } from './addressCheck';
import { ServerPackages } from './serverPackages';
import type { GateCounts } from './serverStats';
import type { StateSource } from './stateSource';
import type { ReportedCauses } from './stateWatch';
import type { Views } from './views';

/**
 * A server's connection to one client.
 *
 * @category Server/Backend
 */
export type ClientConnection = Connection<ClientPackage>;

/**
 * A client that connected.
 *
 * @category Server/Backend
 */
export interface ClientConnected {
  readonly client: Address;
  readonly protocol: 'rxgase' | 'pygase';
  /** Whether it is the host, the client allowed to shut the server down. */
  readonly host: boolean;
}

/**
 * A client whose connection ended, and why.
 *
 * @category Server/Backend
 */
export interface ClientDisconnected {
  readonly client: Address;
  readonly reason: CloseReason;
}

/**
 * A client whose link dropped, held for its reconnection (see `reconnectGraceMs`): why it
 * dropped, `timeout` or `disconnected` (its WebSocket closed).
 *
 * @category Server/Backend
 */
export interface ClientDropped {
  readonly client: Address;
  readonly reason: CloseReason;
}

/**
 * A client that reconnected within its grace window: where it is now, and where it was.
 *
 * @category Server/Backend
 */
export interface ClientReconnected {
  readonly client: Address;
  readonly previous: Address;
}

/** A connected client, with what its handshake settled if it speaks rxgase. */
export interface ClientEntry {
  readonly connection: ClientConnection;
  readonly handshake: Handshake | undefined;
  /** Whether the client showed the address is its own: by the handshake, or by an ack. */
  verified: boolean;
  /** Whether connected$ reported it. */
  welcomed: boolean;
  /** Whether its client is taking its session up again from elsewhere (it dropped for that). */
  resuming?: boolean;
  /** Hands on the events a PyGaSe client sent before it was verified. */
  readonly release: () => void;
}

/** What an rxgase client's handshake settled. */
export interface Handshake {
  readonly nonce: Uint8Array;
  readonly session: Uint8Array;
  readonly hostToken: Uint8Array | undefined;
  /** The secret the client resumes the session with; none where the server holds no one. */
  readonly resumeToken: Uint8Array | undefined;
  /** The accept sent, to send again if the client did not get it. */
  readonly accept: Uint8Array;
}

/** What a client's connection needs of its server. */
export interface ClientContext<S extends GameState<object>> {
  readonly store: StateSource<S>;
  /** What each client may see of the state; undefined: all of it. */
  readonly views: Views<S> | undefined;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  readonly maxPendingEvents: number | undefined;
  /** The largest message to or from an rxgase client. */
  readonly maxMessageSize: number;
  /** The bytes of partial messages all clients may have the server hold. */
  readonly reassembly: ReassemblyBudget;
  /** The bytes per second each rxgase client's blocks may take. */
  readonly bandwidth: number;
  /** What each client's session may send; false: no limit. */
  readonly sessionBudget: SessionBudget | false;
  /** The server's own counts: withheld bytes move here. */
  readonly counts: GateCounts;
  /** Sends a datagram to a client. */
  readonly send: (data: Uint8Array, to: Address) => void;
  /** The way to a client, for its connection's packages (see `Transport.route`). */
  readonly route: (to: Address) => Route;
  /** An event from a verified client. */
  readonly handle: (event: GameEvent, client: Address) => void;
  /** The game state could not be sent to a client: reported once per cause per client. */
  readonly unsendable: (error: Error, client: Address) => void;
  /** The causes of unsendable states reported, by client. */
  readonly reported: ReportedCauses;
  /** How long a dropped rxgase client is held for its reconnection; 0: not held. */
  readonly reconnectGraceMs: number;
}

/** One client to connect: where it is, its datagrams, and what its first package or handshake said. */
export interface NewClient {
  readonly address: Address;
  readonly key: string;
  /** The client's datagrams, from the first on: its connection subscribes when opened. */
  readonly incoming$: Observable<Uint8Array>;
  /** The `time_order` of the client's first package: 0 for an rxgase client. */
  readonly timeOrder: number;
  /** An rxgase client's handshake; none for a PyGaSe client. */
  readonly handshake: Handshake | undefined;
  /** The dropped connection of the session the client takes up again; none for a new one. */
  readonly resumes?: ClientConnection;
}

/** Where a client's connection tells its registry what became of it. */
export interface ClientHooks {
  /** The entry is made, its connection not yet open: it is counted and placed now. */
  readonly register: (entry: ClientEntry) => void;
  /** What the ack of an unverified PyGaSe client shows. */
  readonly judge: (entry: ClientEntry, verdict: AckVerdict) => void;
  /** The connection ended. */
  readonly closed: (entry: ClientEntry) => void;
}

/**
 * Makes a client's connection, registers it and opens it: its packages answered from the state,
 * within its session budget, and for a PyGaSe client, no more bytes out than came in and no
 * events handed on until it acks a package (its address may be spoofed).
 */
export function connectClient<S extends GameState<object>>(
  context: ClientContext<S>,
  client: NewClient,
  hooks: ClientHooks,
): ClientEntry {
  const { address, key, handshake } = client;
  const link = new ClientLink(context, client, () => connection, hooks.judge);
  const protocol = handshake === undefined ? 'pygase' : 'rxgase';
  const store = context.views?.source(context.store, { key, address, protocol }) ?? context.store;
  const connection: ClientConnection = new Connection<ClientPackage>({
    remote: address,
    incoming$: client.incoming$,
    send: link.send.bind(link),
    codec: new ServerPackages(store, link, {
      overhead: handshake === undefined ? 0 : DATA_OVERHEAD,
      ...(context.store.statesSince !== undefined && {
        remembers: (timeOrder: number) => context.store.statesSince?.(timeOrder) !== undefined,
      }),
      ...(handshake !== undefined && {
        compact: new SentDictionary(),
        blocks: {
          maxSize: context.maxMessageSize,
          send: (bytes: Uint8Array): Observable<void> => connection.sendBlock(bytes),
        },
      }),
    }),
    scheduler: context.scheduler,
    logger: context.logger,
    maxPendingEvents: context.maxPendingEvents,
    ...(context.sessionBudget !== false && {
      budget: new BudgetMeter(context.sessionBudget, {
        scheduler: context.scheduler,
        session: handshake?.session,
        onFlood: ({ seconds, overBudget, eventsOverBudget }) => {
          // A PyGaSe client's packages carry no token: a flood "from" it may be spoofed in its
          // name, so its excess is dropped but it is not kicked for it.
          if (handshake === undefined) {
            context.logger.warn(
              `PyGaSe client ${key} over its sessionBudget ${seconds} s in a row (${overBudget} datagrams dropped); not kicked: without a token the flood may be another's in its name.`,
            );
            return;
          }
          context.logger.warn(
            `Client ${key} kicked for flooding: over its sessionBudget ${seconds} s in a row, ${overBudget} datagrams (${eventsOverBudget} events) dropped.`,
          );
          connection.close('flooding');
        },
      }),
    }),
    ...(handshake === undefined
      ? { firstSequence: randomSequence() }
      : {
          session: handshake.session,
          resumable: context.reconnectGraceMs > 0,
          ...(client.resumes && { resumes: client.resumes }),
          maxMessageSize: context.maxMessageSize,
          reassembly: context.reassembly,
          bandwidth: context.bandwidth,
        }),
  });
  const guard = link.guard;
  const entry: ClientEntry = {
    connection,
    handshake,
    verified: guard === undefined,
    welcomed: false,
    release: () => {
      const { events, dropped } = guard?.release() ?? { events: [], dropped: 0 };
      if (dropped > 0) {
        context.logger.warn(`Client ${key} sent ${dropped} events more than held before its ack.`);
      }
      for (const event of events) context.handle(event, address);
    },
  };
  link.entry = entry;
  hooks.register(entry);
  connection.watchPackages(link);
  connection.events$.subscribe((event) => {
    if (entry.verified) context.handle(event, address);
    else guard?.hold(event);
  });
  // The accept goes before the first package, which the client takes only after it.
  if (handshake !== undefined) context.send(handshake.accept, address);
  connection.open();
  // Subscribed once open: before that the status is Disconnected, which means nothing yet.
  connection.status$.subscribe((status) => {
    if (status === ConnectionStatus.Disconnected) hooks.closed(entry);
  });
  return entry;
}

/** A sequence number in 1..65535, at random. */
function randomSequence(): number {
  return (randomBytes(2).readUInt16BE(0) % 0xffff) + 1;
}
