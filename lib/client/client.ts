import { BehaviorSubject, Subject, distinctUntilChanged, filter } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Connection } from '../connection/connection';
import { ConnectionStatus } from '../connection/connection';
import { ConnectionRefusedError, InvalidArgumentError, WaitTimeoutError } from '../protocol/errors';
import { CompactDecoder } from '../protocol/compactDecoder';
import type { CloseReason } from '../protocol/rxgasePackets';
import type { Accepted, HandshakeAnswer } from './handshake';
import { linkClosedTo } from './handshake';
import { EventHandlers } from '../connection/eventHandlers';
import type { HandlerError } from '../connection/eventHandlers';
import type { GameEvent, ServerPackage } from '../protocol/packages';
import type {
  AnyEvents,
  AnyPayload,
  EventOf,
  EventType,
  GameEvents,
  PayloadAndOptions,
} from '../protocol/events';
import { dispatchArguments } from '../connection/dispatchArguments';
import type { DispatchOptions } from '../connection/connection';
import type { EventArgs } from '../connection/eventHandlers';
import type { GameState } from '../state/gameState';
import type { Address, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { checkHostname, checkPort } from '../transport/checkAddress';
import type { DiscoverOptions, DiscoveredServer } from '../discovery/discover';
import { DEFAULT_WAIT_MS, resolveClientOptions } from './clientOptions';
import { ticketBytes } from '../protocol/tickets';
import type { Reservation, RoomInfo, RoomOptions } from '../protocol/tickets';
import { Matchmaking } from './matchmaking';

import type { ClientOptions, ResolvedClientOptions } from './clientOptions';
import { discoverServers } from './platform';
import { ClientState } from './clientState';
import {
  closeOf,
  closedBeforeState,
  connectionTo,
  farewell,
  handshakeWithin,
  updatesFrom,
} from './session';
import { reconnectSession } from './reconnection';

/**
 * A client handler: called with the event's payload (its keyword arguments) and a context that
 * holds its positional arguments. One written as PyGaSe's are fits once wrapped in
 * {@link pygaseHandler}.
 *
 * @typeParam P The payload.
 * @category Client
 */
export type ClientEventHandler<P = AnyPayload> = (payload: P, context: EventArgs) => void;

/**
 * Where a client is: `connecting` (its first connection under way), `connected`, `reconnecting`
 * (its link dropped and it is coming back, see `ClientOptions.reconnect`), `disconnected`.
 *
 * @category Client
 */
export type ClientStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** What joining a room adds to connecting: the ticket, and where WebSocket clients go. */
interface Seat {
  readonly roomId: string;
  readonly ticket: Uint8Array;
  readonly webSocket: { readonly host: string; readonly port: number } | undefined;
}

// Past ~300 lines with its documentation (some 580): one role, the public face of a client; the
// session (handshake, connection, close) is session.ts', the attempts to come back after a drop
// reconnection.ts', the seats a matchmaker gives matchmaking.ts', the state and its waits
// ClientState's. What stays (attach, reconnect) wires those to the client's own subjects; moving
// it out would hand another file the client's private state.
/**
 * Connects to a server and keeps a copy of its game state, as `state$`.
 *
 * ## Example
 * ```ts
 * const client = new Client();
 * await client.connect(8080, 'localhost');
 * client.state$.subscribe((state) => console.log(state.foo));
 * client.dispatchEvent('SET_BAR', [], { new_bar: 2.5 }, { retries: 3 }).subscribe({ error: console.warn });
 * await client.waitUntil((state) => state.bar === 2.5);
 * await client.disconnect();
 * ```
 *
 * @category Client
 */
export class Client<S extends GameState<object> = GameState, E extends GameEvents = AnyEvents> {
  /** The game state as the client knows it: the server's, as of its last update. */
  readonly state$: Observable<S>;
  /** Events from the server. */
  readonly events$: Observable<EventOf<E['toClient']>>;
  /** Event handlers that threw. */
  readonly errors$: Observable<HandlerError>;
  /** Why each connection ended: `disconnected` when the client left, else the server's word. */
  readonly disconnected$: Observable<CloseReason>;
  /**
   * Where the client is, now and as it changes: `connecting`, `connected`, `reconnecting` while
   * it comes back after its link dropped, `disconnected`.
   */
  readonly status$: Observable<ClientStatus>;

  private readonly disconnections = new Subject<CloseReason>();
  private readonly status = new BehaviorSubject<ClientStatus>('disconnected');
  /** One more each time the client connects or disconnects: a reconnection of an older one stops. */
  private generation = 0;
  private accepted: Accepted | undefined;
  private readonly known: ClientState<S>;
  private readonly events = new Subject<EventOf<E['toClient']>>();
  private readonly handlers: EventHandlers<ClientEventHandler<never>>;
  private readonly options: ResolvedClientOptions;
  private readonly matchmaking: Matchmaking;
  private transport: Transport | undefined;
  private current: Connection<ServerPackage> | undefined;
  private server: Address | undefined;
  private connecting = false;
  private ignored = 0;
  private room: string | undefined;

  /** @throws {@link InvalidArgumentError} If `maxPendingEvents` is not a whole number above 0. */
  constructor(options: ClientOptions = {}) {
    this.options = resolveClientOptions(options);
    this.matchmaking = new Matchmaking(this.options);
    this.known = new ClientState<S>(this.options.scheduler);
    this.state$ = this.known.state$;
    this.events$ = this.events.asObservable();
    this.handlers = new EventHandlers<ClientEventHandler<never>>(this.options.logger, 'client');
    this.errors$ = this.handlers.errors$;
    this.disconnected$ = this.disconnections.asObservable();
    this.status$ = this.status.pipe(distinctUntilChanged());
  }

  /** Where the client is now; see {@link status$}. */
  get currentStatus(): ClientStatus {
    return this.status.value;
  }

  /** Whether the server made this client its host: the one that may shut it down. */
  get isHost(): boolean {
    return this.accepted?.hostToken !== undefined;
  }

  /**
   * How many answers from the server's address this client ignored, since it was made: handshake
   * answers that do not echo its nonce, and closes that do not carry its session token. They are
   * forged, or left over from another connection; each is logged at DEBUG.
   */
  get ignoredAnswers(): number {
    return this.ignored;
  }

  /** Lists the servers on the LAN that answer discovery, as they answer: see `discover`. */
  static discover(options?: DiscoverOptions): Observable<DiscoveredServer> {
    return discoverServers(options);
  }

  /** The current game state. */
  get state(): S {
    return this.known.value;
  }

  /** The id of the room the client joined (`join`, `joinOrCreate`, `create`), while it is in it. */
  get roomId(): string | undefined {
    return this.current === undefined ? undefined : this.room;
  }

  /** The connection to the server, with `status$`, `latency$`, `quality$` and stats. */
  get connection(): Connection<ServerPackage> | undefined {
    return this.current;
  }

  /**
   * Connects to the server at `hostname`:`port`; resolves once its whole game state is in, so
   * `state` is never a state the server did not send.
   *
   * @throws {@link InvalidArgumentError} If the port is not an integer in 1..65535, the hostname
   *   not an IP address or a DNS name (see `checkHostname`), or the client is connected.
   * @throws {@link HostNotFoundError} If the hostname does not resolve (with the default
   *   `resolve`).
   * @throws {@link ConnectionRefusedError} If the server refused: `server full`,
   *   `version mismatch`; or closed the connection before the state came: `state too large` (the
   *   state does not fit in a package), `kicked`, `shutdown`.
   * @throws {@link WaitTimeoutError} If no state arrives within `timeoutMs`: the client
   *   disconnects.
   */
  async connect(port: number, hostname = 'localhost', timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    await this.openOnce(port, hostname, timeoutMs, undefined);
  }

  /**
   * Joins a room of a {@link RoomServer}: connects to the server the reservation names, with its
   * ticket, and resolves once the room's whole state has arrived, as {@link connect} does.
   *
   * @param room A reservation, what the room server's `joinOrCreate`, `create` or `join` gave
   *   (through its matchmaker, or in the same process); or a room's id, for which the client
   *   asks its `matchmaker` a seat.
   * @throws {@link InvalidArgumentError} If the client speaks PyGaSe's protocol, which has no
   *   rooms, or is connected, or the ticket is not base64url of at most 255 bytes.
   * @throws {@link ConnectionRefusedError} As {@link connect}, and `no such room` if the room is
   *   gone (or full: `server full`).
   */
  async join(room: Reservation | string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.options.protocol === 'pygase') {
      throw new InvalidArgumentError(
        "a PyGaSe client cannot join rooms: PyGaSe's protocol has none",
      );
    }
    const reservation =
      typeof room === 'string' ? await this.matchmaking.seat('join', room, undefined) : room;
    const ticket = ticketBytes(reservation.ticket);
    await this.openOnce(reservation.address.port, reservation.address.host, timeoutMs, {
      roomId: reservation.roomId,
      ticket,
      webSocket: reservation.webSocket,
    });
  }

  /**
   * Asks the `matchmaker` for a seat in a room of `type` with one, or in a new room made with
   * `options`, and joins it.
   *
   * @throws {@link InvalidArgumentError} If the client has no `matchmaker`, or speaks PyGaSe.
   * @throws {@link NoSuchRoomError} If the type is not defined there.
   * @throws {@link AuthRefusedError} If the matchmaker refused the client's `credentials`.
   * @throws {@link MatchmakingError} If the matchmaker could not be asked.
   * @throws As {@link join}.
   */
  async joinOrCreate(
    type: string,
    options: RoomOptions = {},
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<void> {
    await this.join(await this.matchmaking.seat('joinOrCreate', type, options), timeoutMs);
  }

  /** As {@link joinOrCreate}, always in a new room. */
  async create(
    type: string,
    options: RoomOptions = {},
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<void> {
    await this.join(await this.matchmaking.seat('create', type, options), timeoutMs);
  }

  /**
   * The rooms the `matchmaker` lists (of `type`, if given), asked every `periodMs` (default
   * 1000) on the client's scheduler, from subscription on.
   *
   * @throws {@link InvalidArgumentError} If the client has no `matchmaker`.
   */
  rooms$(type?: string, periodMs = 1000): Observable<RoomInfo[]> {
    return this.matchmaking.rooms$(type, periodMs);
  }

  /** Leaves the room (or the server): {@link disconnect}. */
  leave(): Promise<void> {
    return this.disconnect();
  }

  /** Opens a connection, refusing a second one while one is open or opening. */
  private async openOnce(
    port: number,
    hostname: string,
    timeoutMs: number,
    seat: Seat | undefined,
  ): Promise<void> {
    checkPort(port, 1);
    checkHostname(hostname);
    if (this.current !== undefined || this.connecting) {
      throw new InvalidArgumentError('the client is already connected');
    }
    this.connecting = true;
    this.status.next('connecting');
    try {
      await this.open(port, hostname, timeoutMs, seat);
      this.status.next('connected');
    } catch (error) {
      this.status.next('disconnected');
      throw error;
    } finally {
      this.connecting = false;
    }
  }

  private async open(
    port: number,
    hostname: string,
    timeoutMs: number,
    seat?: Seat,
  ): Promise<void> {
    const { scheduler, logger } = this.options;
    const transport = await this.options.bind();
    // A client over WebSocket (a browser) joins a room where its server takes WebSockets.
    const target =
      transport.address.scheme === 'ws' && seat?.webSocket !== undefined
        ? seat.webSocket
        : { host: hostname, port };
    let host: string;
    try {
      host = await this.options.resolve(target.host);
    } catch (error) {
      transport.close();
      throw error;
    }
    const server: Address = { host, port: target.port };
    const ticket = seat?.ticket;
    this.transport = transport;
    this.server = server;
    this.known.reset();
    const from = addressKey(server);
    const started = scheduler.now();
    logger.info(`Connecting to ${from} ...`);
    let accepted: Accepted | undefined;
    if (this.options.protocol !== 'pygase') {
      try {
        accepted = await handshakeWithin(
          transport,
          server,
          scheduler,
          timeoutMs,
          (answer) => this.ignore(answer, from),
          ticket,
        );
      } catch (error) {
        transport.close();
        this.transport = undefined;
        throw error;
      }
    }
    this.accepted = accepted;
    this.room = seat?.roomId;
    const generation = ++this.generation;
    const connection = this.attach(transport, server, accepted, generation);
    try {
      await this.known.tryTo(
        (state) => {
          if (!this.known.hasState) throw new Error('not yet');
          return state;
        },
        timeoutMs - (scheduler.now() - started),
        closedBeforeState(connection, from),
      );
      logger.info(`Connected to ${from}.`);
    } catch (error) {
      if (this.current === connection) await this.disconnect();
      if (error instanceof ConnectionRefusedError) throw error;
      throw new WaitTimeoutError(`no game state came from ${from} within ${timeoutMs} ms`, {
        cause: error,
      });
    }
  }

  /**
   * Makes the connection to `server` over `transport` the client's, and follows it: its updates
   * into the state, its events to the handlers, its close from the server, its link closing. A
   * link that drops once the client is connected (with `reconnect`) starts a reconnection.
   *
   * @param resumes The dropped connection this one takes up again.
   */
  private attach(
    transport: Transport,
    server: Address,
    accepted: Accepted | undefined,
    generation: number,
    resumes?: Connection<ServerPackage>,
  ): Connection<ServerPackage> {
    const { logger } = this.options;
    const from = addressKey(server);
    // An rxgase server writes its updates in compact form, with a dictionary per connection.
    const updates = accepted === undefined ? undefined : new CompactDecoder();
    // Until the whole state came (again, after a reconnection), the client reports none: the
    // server sends it whole, and the client takes it in place of its own.
    const connection = connectionTo(
      transport,
      server,
      accepted,
      () => (this.known.hasState ? this.known.value.time_order : 0),
      this.options,
      updates,
      resumes,
    );
    this.current = connection;
    if (accepted !== undefined) {
      closeOf(transport, server, accepted.session, (close) => this.ignore(close, from)).subscribe(
        (reason) =>
          // The server lost the link and holds the client's place: it comes back (where the
          // connection is resumable: the server gave a resume token, and `reconnect` is on).
          reason === 'dropped' && connection.isResumable
            ? connection.drop('timeout')
            : connection.close(reason),
      );
    }
    // A WebSocket that closed is the end of the connection (or a drop), now, not in 5 s.
    linkClosedTo(transport, server).subscribe(() => connection.drop('disconnected'));
    this.known.follow(updatesFrom(connection, logger, updates));
    connection.events$.subscribe((event) => {
      this.events.next(event as EventOf<E['toClient']>);
      this.handlers.handle(event);
    });
    connection.open();
    // Subscribed once open (before, the status is Disconnected, which means nothing yet): a
    // connection that timed out is let go, so the client can connect again.
    connection.status$.subscribe((status) => {
      if (status === ConnectionStatus.Connected && this.current === connection && resumes) {
        this.status.next('connected');
      }
      if (status !== ConnectionStatus.Disconnected) return;
      const current = this.current === connection && this.generation === generation;
      if (connection.isDropped && current && this.status.value !== 'connecting') {
        this.reconnect(connection, transport, server, accepted as Accepted, generation).catch(
          (error: unknown) => logger.error(`Reconnecting to ${from} failed: ${String(error)}`),
        );
        return;
      }
      // Dropped before it was connected, or while the client left: it is over.
      if (connection.isDropped) connection.close();
      this.disconnections.next(connection.closeReason ?? 'disconnected');
      if (!current) return;
      logger.info(`Lost the connection to ${from} (${connection.closeReason}).`);
      void this.disconnect();
    });
    return connection;
  }

  /**
   * The link of `dropped` went: the client comes back with its session over a new transport (see
   * {@link reconnectSession}), its state and events kept meanwhile, or, failing that within
   * `reconnect.timeoutMs`, it is disconnected.
   */
  private async reconnect(
    dropped: Connection<ServerPackage>,
    transport: Transport,
    server: Address,
    accepted: Accepted,
    generation: number,
  ): Promise<void> {
    const { logger, reconnect } = this.options;
    if (reconnect === false) return;
    this.status.next('reconnecting');
    const from = addressKey(server);
    logger.info(`Lost the link to ${from} (${dropped.closeReason}); reconnecting.`);
    transport.close();
    this.transport = undefined;
    const outcome = await reconnectSession(
      this.options,
      reconnect,
      server,
      accepted,
      (answer) => this.ignore(answer, from),
      () => this.generation !== generation,
    );
    // The client left, or connected anew, meanwhile: this reconnection is over.
    if (outcome.kind === 'aborted' || this.generation !== generation) {
      if (outcome.kind === 'resumed') outcome.transport.close();
      return;
    }
    if (outcome.kind === 'resumed') {
      this.transport = outcome.transport;
      this.accepted = outcome.accepted;
      this.known.rebase();
      this.attach(outcome.transport, server, outcome.accepted, generation, dropped);
      logger.info(`Reconnected to ${from}.`);
      return;
    }
    // Its events fail now.
    dropped.close();
    const reason = outcome.reason ?? dropped.closeReason ?? 'timeout';
    logger.info(`Could not reconnect to ${from} (${reason}).`);
    this.status.next('disconnected');
    this.disconnections.next(reason);
    if (this.current === dropped) await this.disconnect();
  }

  /**
   * Resolves with the state once `predicate` holds for it, at once if it holds now.
   *
   * @throws {@link WaitTimeoutError} If it does not hold within `timeoutMs`.
   */
  waitUntil(predicate: (state: S) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<S> {
    return this.tryTo((state) => {
      if (!predicate(state)) throw new Error('not yet');
      return state;
    }, timeoutMs);
  }

  /**
   * Runs `fn` on the state, and again on each new state while it throws (a key not there yet,
   * say); resolves with what it returns the first time it does not throw.
   *
   * @throws {@link WaitTimeoutError} If it still throws after `timeoutMs`.
   */
  tryTo<R>(fn: (state: S) => R, timeoutMs = DEFAULT_WAIT_MS): Promise<R> {
    return this.known.tryTo(fn, timeoutMs);
  }

  /**
   * Sends an event to the server: `dispatchEvent(type, payload, options)`, or as PyGaSe does,
   * `dispatchEvent(type, args, kwargs, options)` with an array of positional arguments. The result
   * completes on its ack, or errors with an `AckTimeoutError` once `retries` re-sends timed out
   * too.
   *
   * @throws {@link InvalidArgumentError} If the client is not connected, the payload or options are
   *   not objects, an option is unknown, or `retries` is not a whole number.
   * @throws {@link UnencodableValueError} If an argument cannot be sent; its `path` says which.
   * @throws {@link PackageOverflowError} If the event does not fit in a package.
   * @throws {@link EventQueueFullError} If `maxPendingEvents` events are queued or unacknowledged.
   */
  dispatchEvent<K extends EventType<E['toServer']>>(
    type: K,
    ...payloadAndOptions: PayloadAndOptions<E['toServer'][K], DispatchOptions>
  ): Observable<void>;
  dispatchEvent<K extends EventType<E['toServer']>>(
    type: K,
    args: readonly unknown[],
    ...kwargsAndOptions: PayloadAndOptions<E['toServer'][K], DispatchOptions>
  ): Observable<void>;
  dispatchEvent(type: string, ...given: unknown[]): Observable<void> {
    const { event, options } = dispatchArguments<DispatchOptions>(type, given, ['retries']);
    if (this.current === undefined) throw new InvalidArgumentError('the client is not connected');
    return this.current.dispatchEvent(event, options);
  }

  /**
   * Makes `handler` handle the events of `type` the server sends.
   *
   * @throws {@link InvalidArgumentError} If `handler` is not a function.
   */
  registerEventHandler<K extends EventType<E['toClient']>>(
    type: K,
    handler: ClientEventHandler<E['toClient'][K]>,
  ): void {
    this.handlers.register(type, handler);
  }

  /** The events of one type from the server. */
  on<K extends EventType<E['toClient']>>(type: K): Observable<GameEvent<K, E['toClient'][K]>> {
    return this.events$.pipe(
      filter((event): event is GameEvent<K, E['toClient'][K]> => event.type === type),
    );
  }

  /**
   * Closes the connection, and tells an rxgase server so. With `shutdownServer`, first asks the
   * server to shut down, which it does only for its host client.
   */
  async disconnect(options: { readonly shutdownServer?: boolean } = {}): Promise<void> {
    const { current, transport, server, accepted } = this;
    this.generation++;
    // Its dropped connection said Disconnected already: leaving, it is told here.
    if (this.status.value === 'reconnecting') this.disconnections.next('disconnected');
    this.status.next('disconnected');
    this.current = undefined;
    this.transport = undefined;
    this.accepted = undefined;
    this.room = undefined;
    const send = (data: Uint8Array): void => transport?.send({ data, address: server as Address });
    const connected = current?.currentStatus !== ConnectionStatus.Disconnected;
    const shutdownServer = Boolean(options.shutdownServer);
    for (const data of farewell(accepted, { shutdownServer, connected })) send(data);
    current?.close();
    transport?.close();
    if (current !== undefined) this.options.logger.info('Disconnected.');
    return Promise.resolve();
  }

  /** An answer from the server's address that is not bound to this client: counted, not acted on. */
  private ignore(answer: HandshakeAnswer, from: string): void {
    this.ignored++;
    this.options.logger.debug(
      `Ignored a ${answer.kind} from ${from}: it carries neither this client's nonce nor its session.`,
    );
  }
}
