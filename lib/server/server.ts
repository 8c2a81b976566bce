import {
  EMPTY,
  Subject,
  Subscription,
  filter,
  interval,
  map,
  merge,
  startWith,
  takeUntil,
} from 'rxjs';
import type { Observable } from 'rxjs';
import { dispatchArguments } from '../connection/dispatchArguments';
import { EventHandlers } from '../connection/eventHandlers';
import { demultiplex } from '../operators/demultiplex';
import { InvalidArgumentError, InvalidStateError } from '../protocol/errors';
import type {
  AnyEvents,
  EventOf,
  EventType,
  GameEvents,
  PayloadAndOptions,
} from '../protocol/events';
import type { GameEvent } from '../protocol/packages';
import type { GameState } from '../state/gameState';
import { checkHostname, checkPort } from '../transport/checkAddress';
import type { Address, Transport } from '../transport/datagram';
import { TRANSPORT_ERROR, addressKey } from '../transport/datagram';
import { transportErrorReporter } from '../transport/transportErrors';
import { socketNote } from '../transport/udpTransport';
import { TimerWheel } from '../util/timerWheel';
import { ConnectionsView } from './connectionsView';
import type {
  ClientConnected,
  ClientConnection,
  ClientDisconnected,
  ClientDropped,
  ClientReconnected,
} from './clientConnection';
import { ClientRegistry } from './clientRegistry';
import { Cookies } from './cookies';
import { dispatchToClients, isAddress } from './dispatchToClients';
import { Farewells } from './farewells';
import { Gate } from './gate';
import { GAME_STATE_ERROR } from './serverEvents';
import type {
  ClientEvent,
  DispatchOutcome,
  EventWire,
  ServerDispatchOptions,
  ServerError,
  ServerEventHandler,
  ServerHandlerContext,
} from './serverEvents';
import type { ServerOptions, ServerSettings } from './serverOptions';
import { serverSettings } from './serverOptions';
import type { ServerStats } from './serverStats';
import { emptyGateCounts } from './serverStats';
import type { StateSource } from './stateSource';
import { ReportedCauses } from './stateWatch';

// Past ~300 lines with its documentation: one role, the public face of a server; the routing of
// datagrams is the Gate's, the clients' connections the ClientRegistry's, the options their file's.
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
  /**
   * Event handlers that threw; game states that could not be sent to a client (too large for a
   * package: a `StateTooLargeError` with the sizes; `type` {@link GAME_STATE_ERROR}), each cause
   * once per client; and what the transport reported (`type` `TRANSPORT_ERROR`).
   */
  readonly errors$: Observable<ServerError>;
  /** Each client that connects. */
  readonly connected$: Observable<ClientConnected>;
  /**
   * Each client whose connection ends: it left, timed out, was kicked, or the server shut down.
   * With `reconnectGraceMs`, a client whose link dropped is told of here only once its window
   * passed without its return.
   */
  readonly disconnected$: Observable<ClientDisconnected>;
  /**
   * Each rxgase client whose link dropped (silent 5 s, its WebSocket closed), held for
   * `reconnectGraceMs` with its place and its events; none without that option.
   */
  readonly dropped$: Observable<ClientDropped>;
  /** Each held client that reconnected: the same client, at a new address. */
  readonly reconnected$: Observable<ClientReconnected>;

  private readonly farewells = new Farewells();
  private readonly clients: ClientRegistry<S>;
  /** The clients' timers, and their clock. */
  private readonly wheel: TimerWheel;
  private readonly connectionsView: ConnectionsView;
  private readonly events = new Subject<ClientEvent<E['toServer']>>();
  private readonly serverErrors = new Subject<ServerError>();
  private readonly handlers: EventHandlers<(payload: never, context: ServerHandlerContext) => void>;
  private readonly settings: ServerSettings<S>;
  private readonly cookies = new Cookies();
  private readonly counts = emptyGateCounts();
  private transport: Transport | undefined;
  private listening: Subscription | undefined;
  private eventWire: EventWire | undefined;
  private readonly waiting: (() => void)[] = [];
  /** Emits when the server shuts down. */
  private readonly stopped = new Subject<void>();
  private starting = false;
  /** The socket being bound while the server starts. */
  private binding: Promise<Transport> | undefined;
  /** Whether `shutdown` came while the server started: `run` then fails. */
  private shutDownStarting = false;

  constructor(
    readonly gameStateStore: StateSource<S>,
    options: NoInfer<ServerOptions<S>> = {},
  ) {
    const settings = serverSettings(options);
    this.settings = settings;
    this.events$ = this.events.asObservable();
    this.handlers = new EventHandlers<(payload: never, context: ServerHandlerContext) => void>(
      settings.logger,
      'server',
    );
    this.errors$ = merge(this.handlers.errors$, this.serverErrors);
    // Every client's timers (its send beat, ack timeout and silence) in 1 ms slots, each slot
    // one timer of the server's scheduler: a thousand clients' beats are not a thousand timers.
    this.wheel = new TimerWheel(settings.scheduler);
    this.clients = new ClientRegistry<S>({
      ...settings,
      scheduler: this.wheel,
      store: gameStateStore,
      hosts: settings.remoteShutdown,
      counts: this.counts,
      send: (data, address) => this.transport?.send({ data, address }),
      route: (address) =>
        this.transport?.route?.(address) ?? {
          send: (data: Uint8Array) => this.transport?.send({ data, address }),
        },
      handle: (event, client) => this.handle(event, client),
      reported: new ReportedCauses(),
      unsendable: (error, client) =>
        this.serverErrors.next({ type: GAME_STATE_ERROR, error, client }),
    });
    this.connectionsView = new ConnectionsView(this.clients);
    this.connected$ = this.clients.connected$;
    this.disconnected$ = this.clients.disconnected$;
    this.dropped$ = this.clients.dropped$;
    this.reconnected$ = this.clients.reconnected$;
  }

  /**
   * Whether a client may take up the session `session` again: held for its reconnection, or
   * still connected. A room server routes a client's resume ticket by it.
   *
   * @internal
   */
  resumes(session: Uint8Array): boolean {
    return this.clients.resumable(session);
  }

  /**
   * Whether the client at `key` (its address key, as `addressKey` makes it) said farewell for the
   * session `token` names: a room server hands the farewell's repeats, which it no longer routes,
   * to the room that closed the session.
   *
   * @internal
   */
  saidFarewell(key: string, token: Uint8Array): boolean {
    return this.farewells.saidBefore(key, token);
  }

  /** How many clients whose link dropped are held now for their reconnection. */
  get heldClients(): number {
    return this.clients.heldCount;
  }

  /**
   * The client connections, by address (`host:port`), as they are when read: a live, read-only
   * view, so a lookup costs what a map's does. `new Map(server.connections)` keeps one moment's.
   */
  get connections(): ReadonlyMap<string, ClientConnection> {
    return this.connectionsView;
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
    return {
      ...this.counts,
      ...this.clients.sums(),
      reassemblyBytes: this.settings.reassembly.used,
      clients: this.clients.size,
    };
  }

  /**
   * The stats every `periodMs` (default 1000) on the server's scheduler, from subscription until
   * the server shuts down.
   */
  stats$(periodMs = 1000): Observable<ServerStats> {
    return interval(periodMs, this.settings.scheduler).pipe(
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
   * @throws {@link InvalidArgumentError} If the transport `bind` gave ends its datagrams at once
   *   (a closed transport): the server shuts down again, as on any end of its datagrams.
   * @throws {@link InvalidStateError} If {@link shutdown} came while the socket was bound: the
   *   server closes it, and does not run.
   */
  async run(port = 0, hostname = 'localhost', eventWire?: EventWire): Promise<Address> {
    checkPort(port, 0);
    checkHostname(hostname);
    if (this.transport !== undefined || this.starting) {
      throw new InvalidArgumentError('the server already runs');
    }
    this.starting = true;
    this.shutDownStarting = false;
    let transport: Transport;
    try {
      transport = await (this.binding = this.settings.bind(port, hostname));
    } finally {
      this.starting = false;
      this.binding = undefined;
    }
    if (this.shutDownStarting) {
      // Shut down while its socket was bound: it does not run.
      transport.close();
      for (const resolve of this.waiting.splice(0)) resolve();
      throw new InvalidStateError('the server was shut down as it started');
    }
    this.transport = transport;
    this.eventWire = eventWire;
    const { logger } = this.settings;
    // A gate for each run: the rate limits start afresh.
    const gate = new Gate<S>({
      ...this.settings,
      // The clients' clock, held while a datagram is taken: read once for it, gate included.
      scheduler: this.wheel,
      clock: this.wheel,
      clients: this.clients,
      cookies: this.cookies,
      counts: this.counts,
      farewells: this.farewells,
      send: (data, address) => transport.send({ data, address }),
      shutdown: () => void this.shutdown(),
    });
    // Each client's datagrams go straight to its connection, which leaves its group on closing.
    // The subscription is the server's before the stream's: one that ends at once shuts it down.
    const listening = new Subscription();
    this.listening = listening;
    let ended: unknown;
    const listen = transport.datagrams$
      .pipe(
        gate.admitted(),
        demultiplex(gate.keyOf, {
          element: ({ data }) => data,
          // The handshake's last step opens the connection but is no package of it.
          opensOnly: ({ opens }) => opens?.nonce !== undefined,
        }),
      )
      .subscribe({
        next: (group) => this.clients.open(group),
        // A transport whose datagrams end leaves the server deaf: it says so, and shuts down.
        error: (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          ended = failure;
          logger.error('The transport failed: the server shuts down.', failure);
          this.serverErrors.next({ type: TRANSPORT_ERROR, error: failure });
          void this.shutdown();
        },
        complete: () => {
          logger.warn('The transport closed: the server shuts down.');
          void this.shutdown();
        },
      });
    listening.add(listen);
    if (this.transport !== transport) {
      throw new InvalidArgumentError('the transport ended before the server listened on it', {
        cause: ended,
      });
    }
    // A client whose WebSocket closed has left, now: its connection ends (or drops, to be held
    // for its return) without waiting out the silence that would tell over UDP.
    listening.add(
      (transport.closed$ ?? EMPTY).subscribe((client) => {
        this.clients.get(addressKey(client))?.connection.drop('disconnected');
      }),
    );
    // What the transport reports (a send the system refused, a socket's error) is on errors$.
    const troubled = transportErrorReporter(logger, this.wheel, (failure) =>
      this.serverErrors.next(failure),
    );
    listening.add((transport.errors$ ?? EMPTY).subscribe(troubled));
    logger.info(`Server listening on ${addressKey(transport.address)}${socketNote(transport)}.`);
    return transport.address;
  }

  /** Resolves when the server shuts down: by {@link shutdown} or by its host client. */
  whenShutDown(): Promise<void> {
    if (this.transport === undefined && !this.starting) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /**
   * Sends an event to every client or to one: `dispatchEvent(type, payload, options)`, or as
   * PyGaSe does, `dispatchEvent(type, args, kwargs, options)` with an array of positional
   * arguments. Each client's copy is re-sent to that client only when its package times out
   * (PyGaSe re-sends to all).
   *
   * @return The outcome for each client: acked, or not with the reason; completes when all are in.
   *   A `targetClient` not connected (it may have just left) is not acked, with a
   *   {@link ConnectionClosedError}.
   * @throws {@link InvalidArgumentError} If the payload or options are not objects, an option is
   *   unknown, `targetClient` is not an address, or `retries` is not a whole number.
   * @throws {@link UnencodableValueError} If an argument cannot be sent; its `path` says which.
   * @throws {@link PackageOverflowError} If the event does not fit in a server package even beside
   *   the smallest update, of up to `maxMessageSize` bytes. (One that does not fit beside the
   *   update a client needs now fails in that client's outcome, as does one over the 2048 bytes
   *   of a PyGaSe client's package.)
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
    return dispatchToClients(this.clients, event, options, this.settings.maxMessageSize);
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
   * Ends a client's connection; an rxgase client is told it was kicked. A client held for its
   * reconnection (at the address it dropped from) is let go.
   *
   * @return Whether that client was connected.
   * @throws {@link InvalidArgumentError} If `client` is not an address.
   */
  kick(client: Address): boolean {
    if (!isAddress(client)) {
      throw new InvalidArgumentError(
        `kick takes a client's address, { host, port }, as connected$ gives it; got ${typeof client === 'string' ? JSON.stringify(client) : String(client)}`,
      );
    }
    const key = addressKey(client);
    const entry = this.clients.get(key);
    entry?.connection.close('kicked');
    // One held for its reconnection goes too: it would come back.
    return entry !== undefined || this.clients.letGo(key, 'kicked');
  }

  /**
   * Stops listening and closes every client connection, telling rxgase clients why. The server
   * can run again afterwards. Called while the server starts, it resolves once `run` gave up (and
   * closed the socket it bound).
   */
  async shutdown(): Promise<void> {
    if (this.binding !== undefined) {
      // Starting: `run` fails once its socket is bound, which it closes; done then.
      this.shutDownStarting = true;
      await this.binding.then(
        () => undefined,
        () => undefined,
      );
      return;
    }
    if (this.transport === undefined) return;
    const transport = this.transport;
    this.listening?.unsubscribe();
    // Closed while the transport is there: rxgase clients are told.
    this.clients.closeAll('shutdown');
    this.transport = undefined;
    transport.close();
    this.settings.logger.info(`Server on ${addressKey(transport.address)} shut down.`);
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
