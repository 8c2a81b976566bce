import { Subject, asyncScheduler, catchError, endWith, ignoreElements, merge, of } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { GameStateMachine } from '../backend/gameStateMachine';
import type { GameStateStore } from '../backend/gameStateStore';
import { Connection, ConnectionStatus } from '../connection/connection';
import { SHUTDOWN_WORD } from '../protocol/constants';
import { decodeClientPackage } from '../protocol/decode';
import { InvalidArgumentError, RxgaseError } from '../protocol/errors';
import type { Logger } from '../protocol/logger';
import { EventHandlers } from '../connection/eventHandlers';
import type { HandlerError } from '../connection/eventHandlers';
import { silentLogger } from '../protocol/logger';
import type { ClientPackage, GameEvent } from '../protocol/packages';
import type { GameState } from '../state/gameState';
import type { Address, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { bindUdp } from '../transport/udpTransport';
import { serverPackages } from './serverPackages';

/** How a server listens. Every field says its default. */
export interface ServerOptions {
  /** Where every timer runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent; INFO for startups, shutdowns, connects and disconnects. */
  readonly logger?: Logger;
  /** Opens the transport to listen on; default UDP (`bindUdp`). */
  readonly bind?: (port: number, hostname: string) => Promise<Transport>;
}

/** An event a client sent, and who sent it. */
export interface ClientEvent {
  readonly event: GameEvent;
  readonly client: Address;
}

/** What became of an event sent to one client. */
export type DispatchOutcome =
  | { readonly client: Address; readonly acked: true }
  | { readonly client: Address; readonly acked: false; readonly error: unknown };

/** How an event is sent to clients. */
export interface ServerDispatchOptions {
  /** `'all'` (the default) or one client's address. */
  readonly targetClient?: 'all' | Address;
  /** How many times to re-send to a client whose package timed out; default 0. */
  readonly retries?: number;
}

/**
 * A server handler: called with the event's positional arguments, then its keyword arguments
 * and `clientAddress`, as PyGaSe calls it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServerEventHandler = (...args: any[]) => void;

/** A client connection of a server. */
export type ClientConnection = Connection<ClientPackage>;

/**
 * Listens to clients and keeps each in sync with the game state of a {@link GameStateStore}: one
 * {@link Connection} per client address, demultiplexed from one socket, each sending its client
 * what the client's state lacks. The first client is the host: only it may shut the server down
 * over the wire. Clients that fall silent for 5 s are dropped.
 *
 * ## Example
 * ```ts
 * const server = new Server(store);
 * const { port } = await server.run(8080, 'localhost', stateMachine);
 * server.events$.subscribe(({ event, client }) => console.log(event.type, 'from', client.port));
 * server.dispatchEvent('WELCOME', ['ann'], {}, { targetClient: 'all', retries: 3 });
 * ```
 */
export class Server<S extends GameState = GameState> {
  /** Events from every client, with the sender. */
  readonly events$: Observable<ClientEvent>;
  /** Event handlers that threw. */
  readonly errors$: Observable<HandlerError>;

  private readonly clients = new Map<
    string,
    { connection: ClientConnection; incoming: Subject<Uint8Array> }
  >();
  private readonly events = new Subject<ClientEvent>();
  private readonly handlers: EventHandlers<ServerEventHandler>;
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;
  private readonly bind: (port: number, hostname: string) => Promise<Transport>;
  private transport: Transport | undefined;
  private listening: Subscription | undefined;
  private host: Address | undefined;
  private readonly waiting: (() => void)[] = [];
  private starting = false;
  private droppedDatagrams = 0;

  constructor(
    readonly gameStateStore: GameStateStore<S>,
    options: ServerOptions = {},
  ) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.logger = options.logger ?? silentLogger;
    this.bind = options.bind ?? ((port, host) => bindUdp({ port, host }));
    this.events$ = this.events.asObservable();
    this.handlers = new EventHandlers<ServerEventHandler>(this.logger, 'server');
    this.errors$ = this.handlers.errors$;
  }

  /** The client connections, by address (`host:port`). */
  get connections(): ReadonlyMap<string, ClientConnection> {
    return new Map([...this.clients].map(([key, { connection }]) => [key, connection]));
  }

  /** The first client that connected: the one allowed to shut the server down. */
  get hostClient(): Address | undefined {
    return this.host;
  }

  /** The address the server listens on, while it runs. */
  get address(): Address | undefined {
    return this.transport?.address;
  }

  /** Datagrams from unknown addresses that were not client packages, dropped. */
  get dropped(): number {
    return this.droppedDatagrams;
  }

  /**
   * Starts listening. Events from clients are handed to the server's handlers, to `events$`, and
   * to `eventWire` (a {@link GameStateMachine}) when given.
   *
   * @param port Default 0: a port the system chooses.
   * @param hostname Default `localhost`.
   * @return The address the server listens on.
   * @throws {InvalidArgumentError} If the port is not in 0..65535 or the server already runs.
   */
  async run(port = 0, hostname = 'localhost', eventWire?: GameStateMachine<S>): Promise<Address> {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
      throw new InvalidArgumentError(`the port must be an integer in 0..65535, got ${port}`);
    }
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
    this.listening = transport.datagrams$.subscribe(({ data, address }) =>
      this.route(data, address, eventWire),
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
   * Sends an event to every client or to one. Each client's copy is re-sent to that client only
   * when its package times out (PyGaSe re-sends to all).
   *
   * @return The outcome for each client: acked, or not with the reason; completes when all are in.
   * @throws {InvalidArgumentError} If `targetClient` is not connected.
   * @throws {UnencodableValueError} If an argument cannot be sent.
   */
  dispatchEvent(
    type: string,
    args: readonly unknown[] = [],
    kwargs: Readonly<Record<string, unknown>> = {},
    options: ServerDispatchOptions = {},
  ): Observable<DispatchOutcome> {
    const { targetClient = 'all', retries = 0 } = options;
    const event: GameEvent = { type, args, kwargs };
    let targets = [...this.clients.values()].map(({ connection }) => connection);
    if (targetClient !== 'all') {
      const client = this.clients.get(addressKey(targetClient));
      if (client === undefined) {
        throw new InvalidArgumentError(`no client is connected from ${addressKey(targetClient)}`);
      }
      targets = [client.connection];
    }
    return merge(
      ...targets.map((connection) =>
        connection.dispatchEvent(event, { retries }).pipe(
          ignoreElements(),
          endWith<DispatchOutcome>({ client: connection.remote, acked: true }),
          catchError((error: unknown) =>
            of<DispatchOutcome>({ client: connection.remote, acked: false, error }),
          ),
        ),
      ),
    );
  }

  /**
   * Makes `handler` handle the events of `type` that clients send.
   *
   * @throws {InvalidArgumentError} If `handler` is not a function.
   */
  registerEventHandler(type: string, handler: ServerEventHandler): void {
    this.handlers.register(type, handler);
  }

  /** Stops listening and closes every client connection. The server can run again afterwards. */
  async shutdown(): Promise<void> {
    if (this.transport === undefined) return;
    const transport = this.transport;
    this.transport = undefined;
    this.listening?.unsubscribe();
    for (const { connection } of this.clients.values()) connection.close();
    this.clients.clear();
    this.host = undefined;
    transport.close();
    this.logger.info(`Server on ${addressKey(transport.address)} shut down.`);
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  private route(
    data: Uint8Array,
    address: Address,
    eventWire: GameStateMachine<S> | undefined,
  ): void {
    const key = addressKey(address);
    if (isShutdownWord(data)) return this.shutdownFrom(key);
    const known = this.clients.get(key);
    if (known !== undefined) return known.incoming.next(data);
    let first: ClientPackage;
    try {
      first = decodeClientPackage(data);
    } catch (error) {
      if (!(error instanceof RxgaseError)) throw error;
      this.droppedDatagrams++;
      return;
    }
    this.accept(address, first, eventWire).next(data);
  }

  /** PyGaSe's shutdown word: honoured from the host client only. */
  private shutdownFrom(key: string): void {
    if (this.host !== undefined && addressKey(this.host) === key) {
      this.logger.info(`Shutdown requested by the host client ${key}.`);
      void this.shutdown();
    } else {
      this.logger.warn(`Shutdown requested by ${key}, which is not the host client: refused.`);
    }
  }

  private accept(
    address: Address,
    first: ClientPackage,
    eventWire: GameStateMachine<S> | undefined,
  ): Subject<Uint8Array> {
    const key = addressKey(address);
    const transport = this.transport as Transport;
    let clientTimeOrder = first.timeOrder;
    const incoming = new Subject<Uint8Array>();
    const connection = new Connection<ClientPackage>({
      remote: address,
      incoming$: incoming,
      send: (data) => transport.send({ data, address }),
      codec: serverPackages(this.gameStateStore, () => clientTimeOrder),
      scheduler: this.scheduler,
    });
    this.clients.set(key, { connection, incoming });
    if (this.host === undefined) {
      this.host = address;
      this.logger.info(`Client ${key} connected; it is the host.`);
    } else {
      this.logger.info(`Client ${key} connected.`);
    }
    connection.packages$.subscribe(({ package: pkg, late }) => {
      if (!late) clientTimeOrder = pkg.timeOrder;
    });
    connection.events$.subscribe((event) => {
      this.events.next({ event, client: address });
      eventWire?.pushEvent(event, address);
      this.handlers.handle(event, { clientAddress: address });
    });
    connection.open();
    // Subscribed once open: before that the status is Disconnected, which means nothing yet.
    connection.status$.subscribe((status) => {
      if (
        status !== ConnectionStatus.Disconnected ||
        this.clients.get(key)?.connection !== connection
      )
        return;
      this.clients.delete(key);
      this.logger.info(`Client ${key} disconnected.`);
    });

    return incoming;
  }
}

function isShutdownWord(data: Uint8Array): boolean {
  return data.length === SHUTDOWN_WORD.length && data.every((byte, i) => byte === SHUTDOWN_WORD[i]);
}
