import {
  BehaviorSubject,
  Subject,
  asyncScheduler,
  filter,
  firstValueFrom,
  map,
  scan,
  take,
  throwError,
  timeout,
} from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import { Connection, ConnectionStatus } from '../connection/connection';
import { SHUTDOWN_WORD } from '../protocol/constants';
import { clientPackages } from '../connection/packageCodec';
import { ConnectionRefusedError, InvalidArgumentError, WaitTimeoutError } from '../protocol/errors';
import { checkPositive } from '../options/checkOption';
import type { CloseReason, RxgasePacket } from '../protocol/rxgasePackets';
import {
  HOST_TOKEN_SIZE,
  PACKET_PREFIX_SIZE,
  PacketKind,
  encodeClose,
  encodeShutdownRequest,
  isRxgasePacket,
  sameBytes,
} from '../protocol/rxgasePackets';
import type { Accepted, HandshakeAnswer } from './handshake';
import { handshake, packetsFrom } from './handshake';
import type { Logger } from '../util/logger';
import { EventHandlers } from '../connection/eventHandlers';
import type { HandlerError } from '../connection/eventHandlers';
import { silentLogger } from '../util/logger';
import type { GameEvent, ServerPackage, UpdatePayload } from '../protocol/packages';
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
import { applyUpdate } from '../state/applyUpdate';
import type { GameState } from '../state/gameState';
import { createGameState } from '../state/gameState';
import { materialize } from '../state/values';
import type { Address, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { checkHostname, checkPort } from '../transport/checkAddress';
import type { DiscoverOptions, DiscoveredServer } from '../discovery/discover';
import { bindClientTransport, discoverServers, resolveHostname } from './platform';

/**
 * How long `connect`, `waitUntil` and `tryTo` wait by default.
 *
 * @category Client
 */
export const DEFAULT_WAIT_MS = 5000;

/**
 * How a client connects. Every field says its default.
 *
 * @category Client
 */
export interface ClientOptions {
  /** Where every timer runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent. */
  readonly logger?: Logger;
  /**
   * Opens the client's own transport; default a UDP socket on a port the system chooses (in the
   * browser build, `webSocketClientTransport()`).
   */
  readonly bind?: () => Promise<Transport>;
  /**
   * Turns a hostname into the address datagrams come from; default a DNS lookup (IPv4), in the
   * browser build the hostname as it is.
   */
  readonly resolve?: (hostname: string) => Promise<string>;
  /**
   * `rxgase` (the default): connect with the rxgase handshake, events handled exactly once,
   * close reasons, a token for the host. `pygase`: PyGaSe's own protocol, to play on a Python
   * PyGaSe server, which knows no other (and may stop reading at a datagram it cannot decode).
   */
  readonly protocol?: 'rxgase' | 'pygase';
  /**
   * How many events may be queued or unacknowledged at once; default 1024.
   * A whole number above 0, else the constructor throws `InvalidArgumentError`.
   */
  readonly maxPendingEvents?: number;
}

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

  private readonly disconnections = new Subject<CloseReason>();
  private accepted: Accepted | undefined;
  private readonly current$ = new BehaviorSubject<S>(createGameState({}) as S);
  private readonly events = new Subject<EventOf<E['toClient']>>();
  private readonly handlers: EventHandlers<ClientEventHandler<never>>;
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;
  private transport: Transport | undefined;
  private current: Connection<ServerPackage> | undefined;
  private server: Address | undefined;
  private hasState = false;
  private connecting = false;
  private ignored = 0;

  constructor(private readonly options: ClientOptions = {}) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.logger = options.logger ?? silentLogger;
    this.state$ = this.current$.asObservable();
    this.events$ = this.events.asObservable();
    this.handlers = new EventHandlers<ClientEventHandler<never>>(this.logger, 'client');
    this.errors$ = this.handlers.errors$;
    this.disconnected$ = this.disconnections.asObservable();
    if (options.maxPendingEvents !== undefined) {
      checkPositive('maxPendingEvents', options.maxPendingEvents, { whole: true });
    }
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
    return this.current$.value;
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
   *   `version mismatch`.
   * @throws {@link WaitTimeoutError} If no state arrives within `timeoutMs`: the client
   *   disconnects.
   */
  async connect(port: number, hostname = 'localhost', timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    checkPort(port, 1);
    checkHostname(hostname);
    if (this.current !== undefined || this.connecting) {
      throw new InvalidArgumentError('the client is already connected');
    }
    this.connecting = true;
    try {
      await this.open(port, hostname, timeoutMs);
    } finally {
      this.connecting = false;
    }
  }

  private async open(port: number, hostname: string, timeoutMs: number): Promise<void> {
    const host = await (this.options.resolve ?? resolveHostname)(hostname);
    const server: Address = { host, port };
    const transport = await (this.options.bind ?? bindClientTransport)();
    this.transport = transport;
    this.server = server;
    // A new connection starts from no state: the server sends it whole.
    this.hasState = false;
    this.current$.next(createGameState({}) as S);
    const from = addressKey(server);
    const started = this.scheduler.now();
    this.logger.info(`Connecting to ${from} ...`);
    let accepted: Accepted | undefined;
    if (this.options.protocol !== 'pygase') {
      try {
        accepted = await firstValueFrom(
          handshake(transport, server, this.scheduler, {
            ignored: (answer) => this.ignore(answer, from),
          }).pipe(timeout({ first: timeoutMs, scheduler: this.scheduler })),
        );
      } catch (error) {
        transport.close();
        this.transport = undefined;
        if (error instanceof ConnectionRefusedError) throw error;
        throw new WaitTimeoutError(`${from} did not answer within ${timeoutMs} ms`, {
          cause: error,
        });
      }
    }
    this.accepted = accepted;
    const connection = new Connection<ServerPackage>({
      remote: server,
      incoming$: transport.datagrams$.pipe(
        filter(({ address, data }) => addressKey(address) === from && !isControlPacket(data)),
        map(({ data }) => data),
      ),
      send: (data) => transport.send({ data, address: server }),
      codec: clientPackages(() => this.current$.value.time_order),
      scheduler: this.scheduler,
      logger: this.logger,
      maxPendingEvents: this.options.maxPendingEvents,
      ...(accepted === undefined ? {} : { session: accepted.session }),
    });
    this.current = connection;
    if (accepted !== undefined)
      this.listenForClose(transport, server, connection, accepted.session);
    connection.packages$
      .pipe(scan((state: S, { package: pkg }) => this.take(state, pkg.update), this.current$.value))
      .subscribe((state) => this.current$.next(state));
    connection.events$.subscribe((event) => {
      this.events.next(event as EventOf<E['toClient']>);
      this.handlers.handle(event);
    });
    connection.open();
    // Subscribed once open (before, the status is Disconnected, which means nothing yet): a
    // connection that timed out is let go, so the client can connect again.
    connection.status$.subscribe((status) => {
      if (status !== ConnectionStatus.Disconnected) return;
      this.disconnections.next(connection.closeReason ?? 'disconnected');
      if (this.current !== connection) return;
      this.logger.info(`Lost the connection to ${from} (${connection.closeReason}).`);
      void this.disconnect();
    });
    try {
      await this.waitUntil(() => this.hasState, timeoutMs - (this.scheduler.now() - started));
      this.logger.info(`Connected to ${from}.`);
    } catch (error) {
      if (this.current === connection) await this.disconnect();
      throw new WaitTimeoutError(`no game state came from ${from} within ${timeoutMs} ms`, {
        cause: error,
      });
    }
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
    let lastError: unknown;
    return firstValueFrom(
      this.current$.pipe(
        map((state) => {
          try {
            return { ok: true as const, value: fn(state) };
          } catch (error) {
            lastError = error;
            return { ok: false as const };
          }
        }),
        filter((attempt): attempt is { ok: true; value: R } => attempt.ok),
        map((attempt) => attempt.value),
        timeout({
          first: timeoutMs,
          with: () =>
            throwError(
              () =>
                new WaitTimeoutError(`still not possible after ${timeoutMs} ms`, {
                  cause: lastError,
                }),
            ),
          scheduler: this.scheduler,
        }),
      ),
    );
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
    this.current = undefined;
    this.transport = undefined;
    this.accepted = undefined;
    const send = (data: Uint8Array): void => transport?.send({ data, address: server as Address });
    if (options.shutdownServer) {
      send(
        accepted === undefined
          ? SHUTDOWN_WORD
          : encodeShutdownRequest(accepted.session, accepted.hostToken ?? NO_HOST_TOKEN),
      );
    }
    if (accepted !== undefined && current?.currentStatus !== ConnectionStatus.Disconnected) {
      // Twice: the server frees the client's place at once if either arrives.
      const close = encodeClose(accepted.session, 'disconnected');
      send(close);
      send(close);
    }
    current?.close();
    transport?.close();
    if (current !== undefined) this.logger.info('Disconnected.');
    return Promise.resolve();
  }

  /** Closes `connection` when the server sends a close packet of its session, with its reason. */
  private listenForClose(
    transport: Transport,
    server: Address,
    connection: Connection<ServerPackage>,
    session: Uint8Array,
  ): void {
    const from = addressKey(server);
    packetsFrom(transport, server)
      .pipe(
        filter((packet): packet is Close => packet.kind === 'close'),
        filter((close) => {
          const bound = sameBytes(close.token, session);
          if (!bound) this.ignore(close, from);
          return bound;
        }),
        take(1),
      )
      .subscribe((packet) => connection.close(packet.reason));
  }

  /** An answer from the server's address that is not bound to this client: counted, not acted on. */
  private ignore(answer: HandshakeAnswer, from: string): void {
    this.ignored++;
    this.logger.debug(
      `Ignored a ${answer.kind} from ${from}: it carries neither this client's nonce nor its session.`,
    );
  }

  /** The client's state after an update: the first is the whole state, taken as it is. */
  private take(state: S, update: UpdatePayload): S {
    if (this.hasState) return applyUpdate(state, update);
    this.hasState = true;
    return materialize(update) as S;
  }
}

const NO_HOST_TOKEN = new Uint8Array(HOST_TOKEN_SIZE);

type Close = Extract<RxgasePacket, { kind: 'close' }>;

/** Whether a datagram is an rxgase packet other than data: for the client, not its connection. */
function isControlPacket(data: Uint8Array): boolean {
  return isRxgasePacket(data) && data[PACKET_PREFIX_SIZE - 1] !== PacketKind.Data;
}
