import { BehaviorSubject, Subject, distinctUntilChanged, filter, merge } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Connection } from '../connection/connection';
import { ConnectionClosedError, InvalidArgumentError } from '../protocol/errors';
import type { CloseReason } from '../protocol/rxgasePackets';
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
import type { DiscoverOptions, DiscoveredServer } from '../discovery/discover';
import { DEFAULT_WAIT_MS, resolveClientOptions } from './clientOptions';
import { checkTimeout } from '../options/checkOption';
import { ticketBytes } from '../protocol/tickets';
import type { Reservation, RoomInfo, RoomOptions } from '../protocol/tickets';
import { Matchmaking, ROOMS_ERROR, isReservation } from './matchmaking';
import { ThrottledWarning } from '../util/throttledWarning';
import type { ClientOptions, ResolvedClientOptions } from './clientOptions';
import { discoverServers } from './platform';
import { ClientState } from './clientState';
import { ClientLink } from './clientLink';
import { transportErrorReporter } from '../transport/transportErrors';
import type { ClientStatus } from './clientLink';

export type { ClientStatus } from './clientLink';

/**
 * A client handler: called with the event's payload (its keyword arguments) and a context that
 * holds its positional arguments. One written as PyGaSe's are fits once wrapped in
 * {@link pygaseHandler}.
 *
 * @typeParam P The payload.
 * @category Client
 */
export type ClientEventHandler<P = AnyPayload> = (payload: P, context: EventArgs) => void;

// Past ~300 lines with its documentation, two fifths of it: one role, the public face of a client; its
// link, options, state, session and matchmaking are files of their own.
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
  /**
   * Event handlers that threw, what the client's transport reported (`type` `TRANSPORT_ERROR`: a
   * send the system refused, a socket's error), and each listing of {@link rooms$} that failed
   * and is asked again (`type` {@link ROOMS_ERROR}).
   */
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
  private readonly known: ClientState<S>;
  private readonly events = new Subject<EventOf<E['toClient']>>();
  private readonly handlers: EventHandlers<ClientEventHandler<never>>;
  private readonly options: ResolvedClientOptions;
  private readonly matchmaking: Matchmaking;
  private readonly link: ClientLink<S>;
  private readonly troubles = new Subject<HandlerError>();

  /** @throws {@link InvalidArgumentError} If `maxPendingEvents` is not a whole number above 0. */
  constructor(options: ClientOptions = {}) {
    this.options = resolveClientOptions(options);
    // A listing of rooms that failed and is asked again: logged (at most every 10 s) and told.
    const listing = new ThrottledWarning(this.options.logger, this.options.scheduler);
    this.matchmaking = new Matchmaking(this.options, (error) => {
      listing.warn(`The matchmaker's listing of rooms failed, asked again: ${error.message}`);
      this.troubles.next({ type: ROOMS_ERROR, error });
    });
    this.known = new ClientState<S>(this.options.scheduler);
    this.state$ = this.known.state$;
    this.events$ = this.events.asObservable();
    this.handlers = new EventHandlers<ClientEventHandler<never>>(this.options.logger, 'client');
    this.errors$ = merge(this.handlers.errors$, this.troubles);
    this.disconnected$ = this.disconnections.asObservable();
    this.status$ = this.status.pipe(distinctUntilChanged());
    this.link = new ClientLink<S>({
      options: this.options,
      known: this.known,
      status: this.status,
      disconnections: this.disconnections,
      received: (event) => {
        this.events.next(event as EventOf<E['toClient']>);
        this.handlers.handle(event);
      },
      troubled: transportErrorReporter(this.options.logger, this.options.scheduler, (failure) =>
        this.troubles.next(failure),
      ),
    });
  }

  /** Where the client is now; see {@link status$}. */
  get currentStatus(): ClientStatus {
    return this.status.value;
  }

  /** Whether the server made this client its host: the one that may shut it down. */
  get isHost(): boolean {
    return this.link.isHost;
  }

  /**
   * How many answers from the server's address this client ignored, since it was made: handshake
   * answers that do not echo its nonce, and closes that do not carry its session token. They are
   * forged, or left over from another connection; each is logged at DEBUG.
   */
  get ignoredAnswers(): number {
    return this.link.ignoredAnswers;
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
    return this.link.roomId;
  }

  /** The connection to the server, with `status$`, `latency$`, `quality$` and stats. */
  get connection(): Connection<ServerPackage> | undefined {
    return this.link.connection;
  }

  /**
   * Connects to the server at `hostname`:`port`; resolves once its whole game state is in, so
   * `state` is never a state the server did not send.
   *
   * @throws {@link InvalidArgumentError} If the port is not an integer in 1..65535, the hostname
   *   not an IP address or a DNS name (see `checkHostname`), `timeoutMs` not a number of ms from 0
   *   to 2,147,483,647, or the client is connected.
   * @throws {@link HostNotFoundError} If the hostname does not resolve (with the default
   *   `resolve`).
   * @throws {@link ConnectionRefusedError} If the server refused: `server full`,
   *   `version mismatch`; or closed the connection before the client connected: `state too large`
   *   (the state does not fit in a package), `kicked`, `shutdown`.
   * @throws {@link ConnectionClosedError} If the client left ({@link disconnect}) before it
   *   connected, or its link closed first.
   * @throws {@link WaitTimeoutError} If no state arrives within `timeoutMs`: the client
   *   disconnects.
   */
  async connect(port: number, hostname = 'localhost', timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    checkTimeout('timeoutMs', timeoutMs);
    await this.link.open(port, hostname, timeoutMs, undefined);
  }

  /**
   * Joins a room of a {@link RoomServer}: connects to the server the reservation names, with its
   * ticket, and resolves once the room's whole state has arrived, as {@link connect} does.
   *
   * @param room A reservation, what the room server's `joinOrCreate`, `create` or `join` gave
   *   (through its matchmaker, or in the same process); or a room's id, for which the client
   *   asks its `matchmaker` a seat.
   * @throws {@link InvalidArgumentError} If the client speaks PyGaSe's protocol, which has no
   *   rooms, or is connected; if `room` is neither a reservation nor a room id, or its ticket not
   *   base64url of at most 255 bytes; or if `timeoutMs` is not a number of ms from 0 to
   *   2,147,483,647.
   * @throws {@link ConnectionRefusedError} As {@link connect}, and `no such room` if the room is
   *   gone (or full: `server full`).
   * @throws {@link ConnectionClosedError} If the client left ({@link disconnect}) before it joined,
   *   its seat asked of the matchmaker included.
   */
  async join(room: Reservation | string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    checkTimeout('timeoutMs', timeoutMs);
    this.canJoin();
    if (typeof room !== 'string' && !isReservation(room)) {
      throw new InvalidArgumentError(
        'a reservation is { roomId, address: { host, port }, ticket }, as a room server gives it, or a room id',
      );
    }
    const reservation =
      typeof room === 'string'
        ? await this.seated(() => this.matchmaking.seat('join', room, undefined))
        : room;
    const ticket = ticketBytes(reservation.ticket);
    await this.link.open(reservation.address.port, reservation.address.host, timeoutMs, {
      roomId: reservation.roomId,
      ticket,
      webSocket: reservation.webSocket,
    });
  }

  /**
   * Asks the `matchmaker` for a seat in a room of `type` with one, or in a new room made with
   * `options`, and joins it.
   *
   * @throws {@link InvalidArgumentError} If the client has no `matchmaker`, speaks PyGaSe, or is
   *   connected (asked before any seat is), or `timeoutMs` is out of range.
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
    // Asked first, so that no seat (nor a room made for it) is given to a client that cannot join.
    checkTimeout('timeoutMs', timeoutMs);
    this.canJoin();
    await this.join(
      await this.seated(() => this.matchmaking.seat('joinOrCreate', type, options)),
      timeoutMs,
    );
  }

  /** As {@link joinOrCreate}, always in a new room. */
  async create(
    type: string,
    options: RoomOptions = {},
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<void> {
    checkTimeout('timeoutMs', timeoutMs);
    this.canJoin();
    await this.join(
      await this.seated(() => this.matchmaking.seat('create', type, options)),
      timeoutMs,
    );
  }

  /**
   * The rooms the `matchmaker` lists (of `type`, if given), asked every `periodMs` (default
   * 1000) on the client's scheduler, from subscription on. A listing that gets no answer, or a
   * server's error (a matchmaker restarting, a proxy between), is logged, told on
   * {@link errors$} (`type` {@link ROOMS_ERROR}) and asked again a period later; one the matchmaker
   * refuses ends the listing with the error (`NoSuchRoomError`, `AuthRefusedError`,
   * `MatchmakingError`).
   *
   * @throws {@link InvalidArgumentError} If the client has no `matchmaker`.
   */
  rooms$(type?: string, periodMs = 1000): Observable<RoomInfo[]> {
    return this.matchmaking.rooms$(type, periodMs);
  }

  /**
   * The seat `ask` gets from the matchmaker.
   *
   * @throws {@link ConnectionClosedError} If the client left ({@link disconnect}) meanwhile.
   */
  private async seated(ask: () => Promise<Reservation>): Promise<Reservation> {
    const epoch = this.link.epoch;
    const seat = await ask();
    if (this.link.epoch !== epoch) {
      throw new ConnectionClosedError(`the client left before it joined room ${seat.roomId}`);
    }
    return seat;
  }

  /** @throws {@link InvalidArgumentError} If the client speaks PyGaSe, or is connected. */
  private canJoin(): void {
    if (this.options.protocol === 'pygase') {
      throw new InvalidArgumentError(
        "a PyGaSe client cannot join rooms: PyGaSe's protocol has none",
      );
    }
    this.link.checkIdle();
  }

  /** Leaves the room (or the server): {@link disconnect}. */
  leave(): Promise<void> {
    return this.disconnect();
  }

  /**
   * Resolves with the state once `predicate` holds for it, at once if it holds now.
   *
   * @throws {@link InvalidArgumentError} If `predicate` is not a function, or `timeoutMs` not a
   *   number of ms from 0 to 2,147,483,647.
   * @throws {@link WaitTimeoutError} If it does not hold within `timeoutMs`.
   */
  async waitUntil(predicate: (state: S) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<S> {
    checkFunction('predicate', predicate);
    return this.tryTo((state) => {
      if (!predicate(state)) throw new Error('not yet');
      return state;
    }, timeoutMs);
  }

  /**
   * Runs `fn` on the state, and again on each new state while it throws (a key not there yet,
   * say); resolves with what it returns the first time it does not throw.
   *
   * @throws {@link InvalidArgumentError} If `fn` is not a function, or `timeoutMs` not a number of
   *   ms from 0 to 2,147,483,647.
   * @throws {@link WaitTimeoutError} If it still throws after `timeoutMs`.
   */
  async tryTo<R>(fn: (state: S) => R, timeoutMs = DEFAULT_WAIT_MS): Promise<R> {
    checkFunction('fn', fn);
    checkTimeout('timeoutMs', timeoutMs);
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
    const connection = this.link.connection;
    if (connection === undefined) throw new InvalidArgumentError('the client is not connected');
    return connection.dispatchEvent(event, options);
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
   * server to shut down, which it does only for its host client. The client is disconnected at
   * once, and may connect again: a {@link connect} or a reconnection under way stops, its
   * handshake and its socket with it (the connect fails with a {@link ConnectionClosedError}).
   * Its old link stays open until the server answers its farewell
   * (saying it again every 250 ms meanwhile), for at most a second, so that a farewell a closing
   * link would throw away (a browser's data channel) still reaches the server.
   */
  async disconnect(options: { readonly shutdownServer?: boolean } = {}): Promise<void> {
    return this.link.close(options);
  }
}

/** @throws {@link InvalidArgumentError} If `value` is not a function. */
function checkFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new InvalidArgumentError(`${name} must be a function, got a ${typeof value}`);
  }
}
