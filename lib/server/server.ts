import {
  Subject,
  asyncScheduler,
  catchError,
  endWith,
  filter,
  ignoreElements,
  interval,
  map,
  merge,
  of,
  startWith,
  takeUntil,
} from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { HEADER_SIZE, LENGTH_PREFIX_SIZE, MAX_PACKAGE_SIZE } from '../protocol/constants';
import { encodeEvent, encodeUpdate } from '../protocol/encode';
import { eventSize, pygaseFraming } from '../connection/framing';
import { checkRetries } from '../connection/outgoingEvents';
import { InvalidArgumentError, PackageOverflowError } from '../protocol/errors';
import type { Logger } from '../util/logger';
import type { StateSource } from './stateSource';
import { EventHandlers } from '../connection/eventHandlers';
import type { HandlerError } from '../connection/eventHandlers';
import { silentLogger } from '../util/logger';
import type { GameEvent } from '../protocol/packages';
import type {
  AnyEvents,
  AnyPayload,
  EventOf,
  EventType,
  GameEvents,
  HandlerPayload,
  PayloadAndOptions,
} from '../protocol/events';
import { dispatchArguments } from '../connection/dispatchArguments';
import type { EventArgs } from '../connection/eventHandlers';
import type { GameState } from '../state/gameState';
import type { Address, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { checkHostname, checkPort } from '../transport/checkAddress';
import { bindUdp } from '../transport/udpTransport';
import { ClientRegistry } from './clientRegistry';
import type { ClientConnected, ClientConnection, ClientDisconnected } from './clientRegistry';
import { Cookies } from './cookies';
import { Gate } from './gate';
import type { RateLimit } from './rateLimiter';
import { checkRateLimit } from './rateLimiter';
import { checkBoolean, checkPositive } from '../options/checkOption';
import { DEFAULT_MAX_CLIENTS_PER_ADDRESS } from './addressPlaces';
import type { BudgetOptions } from './budgetOptions';
import { checkBudgetOptions } from './budgetOptions';
import { DEFAULT_SESSION_BUDGET } from '../connection/sessionBudget';
import type { ServerStats } from './serverStats';
import { emptyGateCounts } from './serverStats';

/**
 * How a server listens. Every field says its default.
 *
 * @category Server/Backend
 */
export interface ServerOptions extends BudgetOptions {
  /** Where every timer runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent; INFO for startups, shutdowns, connects and disconnects. */
  readonly logger?: Logger;
  /** Opens the transport to listen on; default UDP (`bindUdp`). */
  readonly bind?: (port: number, hostname: string) => Promise<Transport>;
  /** How many clients may be connected at once; default 256. More are refused (`server full`). */
  readonly maxClients?: number;
  /**
   * Whether PyGaSe clients, which do not speak the rxgase protocol, may connect; default true.
   * Their packages carry no token: the server takes them on trust only once they ack a package,
   * and a stranger who guesses the 16-bit sequence number may still pass. Refuse them on a
   * public server that only rxgase clients use.
   */
  readonly legacyClients?: boolean;
  /**
   * How many new PyGaSe clients the server takes a second, all addresses together, in bursts of
   * twice as many; default 20 (`DEFAULT_LEGACY_JOINS_PER_SECOND`); false: no limit. Each new one
   * may try one guess at the ack that verifies it, so this bounds a stranger's guessing.
   */
  readonly legacyJoinsPerSecond?: number | false;
  /**
   * How many datagrams each address may send; default 500 a second, bursts of 250
   * (`DEFAULT_RATE_LIMIT`); false: no limit. Fields that are not positive numbers make the
   * constructor throw `InvalidArgumentError` (see `checkRateLimit`).
   */
  readonly rateLimit?: RateLimit | false;
  /**
   * How many events each connection may hold queued or unacknowledged; default 1024.
   * A whole number above 0, else the constructor throws `InvalidArgumentError`.
   */
  readonly maxPendingEvents?: number;
  /**
   * Whether a client may shut the server down over the wire; default true, as in PyGaSe. The
   * client that may is the host: the first client connected, and when it leaves, the next client
   * to connect. An rxgase host asks with the token it got in the handshake
   * (`client.disconnect({ shutdownServer: true })`), a PyGaSe host with PyGaSe's shutdown word
   * from its address. False: no client is the host (`hostClient` is undefined, `client.isHost`
   * false), and every shutdown request is refused, counted in `stats.shutdownsRefused` and logged
   * at WARN once per client; only `shutdown()` stops the server. A public server wants false.
   */
  readonly remoteShutdown?: boolean;
}

/**
 * Where a server hands the events clients send, beside its own handlers and `events$`: the game
 * loop (a {@link GameStateMachine}).
 *
 * @category Server/Backend
 */
export interface EventWire {
  /** Takes an event a client sent, to handle in its own time (the game loop's next tick). */
  pushEvent(event: GameEvent, clientAddress: Address): void;
}

/**
 * The server's default for {@link ServerOptions.legacyJoinsPerSecond}.
 *
 * @category Server/Backend
 */
export const DEFAULT_LEGACY_JOINS_PER_SECOND = 20;

/**
 * The server's default for {@link ServerOptions.maxClients}.
 *
 * @category Server/Backend
 */
export const DEFAULT_MAX_CLIENTS = 256;

export type { ClientConnected, ClientConnection, ClientDisconnected } from './clientRegistry';

/**
 * An event a client sent, and who sent it.
 *
 * @typeParam M The events clients send, by type (a {@link GameEvents} map's `toServer`).
 * @category Server/Backend
 */
export interface ClientEvent<M extends object = AnyEvents['toServer']> {
  readonly event: EventOf<M>;
  readonly client: Address;
}

/**
 * What became of an event sent to one client.
 *
 * @category Server/Backend
 */
export type DispatchOutcome =
  | { readonly client: Address; readonly acked: true }
  | { readonly client: Address; readonly acked: false; readonly error: unknown };

/**
 * How an event is sent to clients.
 *
 * @category Server/Backend
 */
export interface ServerDispatchOptions {
  /** `'all'` (the default) or one client's address. */
  readonly targetClient?: 'all' | Address;
  /** How many times to re-send to a client whose package timed out; default 0. */
  readonly retries?: number;
}

/**
 * What a server handler gets beside the event's payload.
 *
 * @category Server/Backend
 */
export interface ServerHandlerContext extends EventArgs {
  /** The client that sent the event. */
  readonly clientAddress: Address;
}

/**
 * A server handler: called with the event's payload (its keyword arguments) and a
 * {@link ServerHandlerContext}. One written as PyGaSe's are fits once wrapped in
 * {@link pygaseHandler}.
 *
 * @typeParam P The payload.
 * @category Server/Backend
 */
export type ServerEventHandler<P = AnyPayload> = (
  payload: HandlerPayload<P>,
  context: ServerHandlerContext,
) => void;

/**
 * Listens to clients and keeps each in sync with the game state of a {@link GameStateStore}: one
 * {@link Connection} per client address, demultiplexed from one socket, each sending its client
 * what the client's state lacks.
 *
 * rxgase clients connect with a handshake: the server answers a connect request with a cookie and
 * allocates nothing until the client echoes it, so no one can open connections in another
 * address's name, and no answer is larger than what it answers. PyGaSe clients are taken on their
 * first package, unless `legacyClients` is false, but on trust only once they ack a package: until
 * then their address gets no more bytes than it sent and their events wait. The first client
 * connected is the host, the one that may shut the server down over the wire: an rxgase host with
 * the token it got in the handshake, a PyGaSe host with PyGaSe's shutdown word from its address.
 * When it leaves, the next client to connect is the host. Clients that fall silent for 5 s are dropped and reported.
 *
 * ## Example
 * ```ts
 * const server = new Server(store, { maxClients: 32 });
 * const { port } = await server.run(8080, 'localhost', stateMachine);
 * server.events$.subscribe(({ event, client }) => console.log(event.type, 'from', client.port));
 * server.disconnected$.subscribe(({ client, reason }) => console.log(client.port, 'left:', reason));
 * server.dispatchEvent('WELCOME', ['ann'], {}, { targetClient: 'all', retries: 3 });
 * ```
 *
 * @category Server/Backend
 */
export class Server<S extends GameState<object> = GameState, E extends GameEvents = AnyEvents> {
  /** Events from every client, with the sender. */
  readonly events$: Observable<ClientEvent<E['toServer']>>;
  /** Event handlers that threw. */
  readonly errors$: Observable<HandlerError>;
  /** Each client that connects. */
  readonly connected$: Observable<ClientConnected>;
  /** Each client whose connection ends: it left, timed out, was kicked, or the server shut down. */
  readonly disconnected$: Observable<ClientDisconnected>;

  private readonly clients: ClientRegistry<S>;
  private readonly events = new Subject<ClientEvent<E['toServer']>>();
  private readonly handlers: EventHandlers<(payload: never, context: ServerHandlerContext) => void>;
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;
  private readonly bind: (port: number, hostname: string) => Promise<Transport>;
  private readonly cookies = new Cookies();
  private readonly counts = emptyGateCounts();
  private transport: Transport | undefined;
  private listening: Subscription | undefined;
  private eventWire: EventWire | undefined;
  private readonly waiting: (() => void)[] = [];
  /** Emits when the server shuts down. */
  private readonly stopped = new Subject<void>();
  private starting = false;

  constructor(
    readonly gameStateStore: StateSource<S>,
    private readonly options: ServerOptions = {},
  ) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.logger = options.logger ?? silentLogger;
    this.bind = options.bind ?? ((port, host) => bindUdp({ port, host }));
    this.events$ = this.events.asObservable();
    this.handlers = new EventHandlers<(payload: never, context: ServerHandlerContext) => void>(
      this.logger,
      'server',
    );
    this.errors$ = this.handlers.errors$;
    const { maxClients = DEFAULT_MAX_CLIENTS } = options;
    if (!(maxClients >= 0) || !(Number.isInteger(maxClients) || maxClients === Infinity)) {
      throw new InvalidArgumentError(`maxClients must be a whole number, got ${maxClients}`);
    }
    checkRateLimit(options.rateLimit);
    checkBudgetOptions(options);
    if (options.legacyJoinsPerSecond !== undefined && options.legacyJoinsPerSecond !== false) {
      checkPositive('legacyJoinsPerSecond', options.legacyJoinsPerSecond);
    }
    if (options.maxPendingEvents !== undefined) {
      checkPositive('maxPendingEvents', options.maxPendingEvents, { whole: true });
    }
    if (options.remoteShutdown !== undefined) {
      checkBoolean('remoteShutdown', options.remoteShutdown);
    }
    this.clients = new ClientRegistry<S>({
      store: gameStateStore,
      scheduler: this.scheduler,
      logger: this.logger,
      maxClients,
      maxClientsPerAddress: options.maxClientsPerAddress ?? DEFAULT_MAX_CLIENTS_PER_ADDRESS,
      sessionBudget: options.sessionBudget ?? DEFAULT_SESSION_BUDGET,
      maxPendingEvents: options.maxPendingEvents,
      hosts: options.remoteShutdown !== false,
      counts: this.counts,
      send: (data, address) => this.transport?.send({ data, address }),
      handle: (event, client) => this.handle(event, client),
    });
    this.connected$ = this.clients.connected$;
    this.disconnected$ = this.clients.disconnected$;
  }

  /** The client connections, by address (`host:port`). */
  get connections(): ReadonlyMap<string, ClientConnection> {
    return new Map([...this.clients.all()].map(([key, { connection }]) => [key, connection]));
  }

  /**
   * The client allowed to shut the server down: the first of those connected; none when
   * `remoteShutdown` is false.
   */
  get hostClient(): Address | undefined {
    return this.clients.host?.address;
  }

  /** The address the server listens on, while it runs. */
  get address(): Address | undefined {
    return this.transport?.address;
  }

  /** Datagrams dropped before reaching a connection: rate limited, malformed or refused. */
  get dropped(): number {
    return this.counts.rateLimited + this.counts.malformed + this.counts.refused;
  }

  /** What went through the server so far, its connections' counts summed in. */
  get stats(): ServerStats {
    return { ...this.counts, ...this.clients.sums(), clients: this.clients.size };
  }

  /**
   * The stats every `periodMs` (default 1000) on the server's scheduler, from subscription until
   * the server shuts down.
   */
  stats$(periodMs = 1000): Observable<ServerStats> {
    return interval(periodMs, this.scheduler).pipe(
      startWith(0),
      takeUntil(this.stopped),
      map(() => this.stats),
    );
  }

  /**
   * Starts listening. Events from clients are handed to the server's handlers, to `events$`, and
   * to `eventWire` (a {@link GameStateMachine}) when given.
   *
   * @param port Default 0: a port the system chooses.
   * @param hostname Default `localhost`.
   * @return The address the server listens on.
   * @throws {@link InvalidArgumentError} If the port is not an integer in 0..65535, the hostname
   *   not an IP address or a DNS name (see `checkHostname`), or the server already runs.
   * @throws {@link HostNotFoundError} If the hostname does not resolve (with the default `bind`).
   */
  async run(port = 0, hostname = 'localhost', eventWire?: EventWire): Promise<Address> {
    checkPort(port, 0);
    checkHostname(hostname);
    if (this.transport !== undefined || this.starting) {
      throw new InvalidArgumentError('the server already runs');
    }
    this.starting = true;
    let transport: Transport;
    try {
      transport = await this.bind(port, hostname);
    } finally {
      this.starting = false;
    }
    this.transport = transport;
    this.eventWire = eventWire;
    // A gate for each run: the rate limits start afresh.
    const gate = new Gate<S>({
      clients: this.clients,
      cookies: this.cookies,
      counts: this.counts,
      scheduler: this.scheduler,
      logger: this.logger,
      legacyClients: this.options.legacyClients !== false,
      legacyJoinsPerSecond: this.options.legacyJoinsPerSecond ?? DEFAULT_LEGACY_JOINS_PER_SECOND,
      rateLimit: this.options.rateLimit,
      remoteShutdown: this.options.remoteShutdown !== false,
      send: (data, address) => transport.send({ data, address }),
      shutdown: () => void this.shutdown(),
    });
    this.listening = transport.datagrams$.subscribe(({ data, address }) =>
      gate.route(data, address),
    );
    this.logger.info(`Server listening on ${addressKey(transport.address)}.`);
    return transport.address;
  }

  /** Resolves when the server shuts down: by {@link shutdown} or by its host client. */
  whenShutDown(): Promise<void> {
    if (this.transport === undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /**
   * Sends an event to every client or to one: `dispatchEvent(type, payload, options)`, or as
   * PyGaSe does, `dispatchEvent(type, args, kwargs, options)` with an array of positional
   * arguments. Each client's copy is re-sent to that client only when its package times out
   * (PyGaSe re-sends to all).
   *
   * @return The outcome for each client: acked, or not with the reason; completes when all are in.
   * @throws {@link InvalidArgumentError} If the payload or options are not objects, an option is
   *   unknown, `targetClient` is not an address, or not connected, or `retries` is not a whole
   *   number.
   * @throws {@link UnencodableValueError} If an argument cannot be sent; its `path` says which.
   * @throws {@link PackageOverflowError} If the event does not fit in a server package even beside
   *   the smallest update. (One that does not fit beside the update a client needs now fails in
   *   that client's outcome.)
   */
  dispatchEvent<K extends EventType<E['toClient']>>(
    type: K,
    ...payloadAndOptions: PayloadAndOptions<E['toClient'][K], ServerDispatchOptions>
  ): Observable<DispatchOutcome>;
  dispatchEvent<K extends EventType<E['toClient']>>(
    type: K,
    args: readonly unknown[],
    ...kwargsAndOptions: PayloadAndOptions<E['toClient'][K], ServerDispatchOptions>
  ): Observable<DispatchOutcome>;
  dispatchEvent(type: string, ...given: unknown[]): Observable<DispatchOutcome> {
    const { event, options } = dispatchArguments<ServerDispatchOptions>(type, given, [
      'targetClient',
      'retries',
    ]);
    const { targetClient = 'all', retries = 0 } = options;
    checkRetries(retries);
    // Checked once for all, so a bad event fails at the call even with no client connected.
    const size = eventSize(encodeEvent(event).length, pygaseFraming);
    if (size > MAX_SERVER_EVENTS_SIZE) {
      throw new PackageOverflowError(
        `the ${type} event takes ${size} bytes; a server package has room for ${MAX_SERVER_EVENTS_SIZE} at most`,
      );
    }
    // PyGaSe clients not yet verified are not sent events: their address may not be theirs.
    const verified = [...this.clients.all()].filter(([, entry]) => entry.verified);
    let targets = verified.map(([, { connection }]) => connection);
    if (targetClient !== 'all') {
      if (!isAddress(targetClient)) {
        throw new InvalidArgumentError(
          `targetClient must be 'all' or a client's address ({ host, port }), got ${String(targetClient)}`,
        );
      }
      const client = this.clients.get(addressKey(targetClient));
      if (client === undefined || !client.verified) {
        throw new InvalidArgumentError(`no client is connected from ${addressKey(targetClient)}`);
      }
      targets = [client.connection];
    }
    return merge(
      ...targets.map((connection) => {
        let outcome: Observable<void>;
        try {
          outcome = connection.dispatchEvent(event, { retries });
        } catch (error) {
          // This client's queue is full (or its package has no room): its outcome says so.
          return of<DispatchOutcome>({ client: connection.remote, acked: false, error });
        }
        return outcome.pipe(
          ignoreElements(),
          endWith<DispatchOutcome>({ client: connection.remote, acked: true }),
          catchError((error: unknown) =>
            of<DispatchOutcome>({ client: connection.remote, acked: false, error }),
          ),
        );
      }),
    );
  }

  /**
   * Makes `handler` handle the events of `type` that clients send.
   *
   * @throws {@link InvalidArgumentError} If `handler` is not a function.
   */
  registerEventHandler<K extends EventType<E['toServer']>>(
    type: K,
    handler: ServerEventHandler<E['toServer'][K]>,
  ): void {
    this.handlers.register(type, handler);
  }

  /** The events of one type from clients, with the sender. */
  on<K extends EventType<E['toServer']>>(
    type: K,
  ): Observable<{ readonly event: GameEvent<K, E['toServer'][K]>; readonly client: Address }> {
    return this.events$.pipe(
      filter(
        (sent): sent is { event: GameEvent<K, E['toServer'][K]>; client: Address } =>
          sent.event.type === type,
      ),
    );
  }

  /**
   * Ends a client's connection; an rxgase client is told it was kicked.
   *
   * @return Whether that client was connected.
   */
  kick(client: Address): boolean {
    const entry = this.clients.get(addressKey(client));
    entry?.connection.close('kicked');
    return entry !== undefined;
  }

  /**
   * Stops listening and closes every client connection, telling rxgase clients why. The server
   * can run again afterwards.
   */
  async shutdown(): Promise<void> {
    if (this.transport === undefined) return;
    const transport = this.transport;
    this.listening?.unsubscribe();
    // Closed while the transport is there: rxgase clients are told.
    this.clients.closeAll('shutdown');
    this.transport = undefined;
    transport.close();
    this.logger.info(`Server on ${addressKey(transport.address)} shut down.`);
    for (const resolve of this.waiting.splice(0)) resolve();
    this.stopped.next();
  }

  /** An event from a client: out on `events$`, to the game loop and to the handlers. */
  private handle(event: GameEvent, address: Address): void {
    this.events.next({ event: event as EventOf<E['toServer']>, client: address });
    this.eventWire?.pushEvent(event, address);
    this.handlers.handle(event, { clientAddress: address });
  }
}

/**
 * The most bytes a server package has for events: beside its header and the smallest update (a
 * `time_order` alone), to a PyGaSe client (an rxgase one takes a few bytes more per event).
 */
const MAX_SERVER_EVENTS_SIZE =
  MAX_PACKAGE_SIZE - HEADER_SIZE - LENGTH_PREFIX_SIZE - encodeUpdate({ time_order: 0xffff }).length;

function isAddress(value: unknown): value is Address {
  if (typeof value !== 'object' || value === null) return false;
  const { host, port } = value as Partial<Address>;
  return typeof host === 'string' && typeof port === 'number';
}
