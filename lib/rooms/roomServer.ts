import { BehaviorSubject, Subject, asyncScheduler } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { transportErrorReporter } from '../transport/transportErrors';
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, InvalidStateError, NoSuchRoomError } from '../protocol/errors';
import type { Reservation } from '../protocol/tickets';
import { roomTicket, ticketText } from '../protocol/tickets';
import type { GameState } from '../state/gameState';
import { checkHostname, checkPort } from '../transport/checkAddress';
import type { Address, Transport } from '../transport/datagram';
import type { MergedTransport } from '../transport/mergeTransports';
import { addressKey } from '../transport/datagram';
import { bindUdp } from '../transport/udpTransport';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import { ConnectTokens, DEFAULT_TOKEN_TTL_MS, TakenTokens } from './connectTokens';
import { Room } from './room';
import type { AnyEvents, GameEvents } from '../protocol/events';
import type { RoomDefinition, RoomInfo, RoomOptions, RoomType } from './roomDefinition';
import { RoomGate } from './roomGate';
import { RoomRoutes } from './roomRoutes';
import { DEFAULT_MAX_ROOMS, DEFAULT_RESERVATION_MS } from './roomServerOptions';
import type { RoomServerOptions, RoomServerStats } from './roomServerOptions';

export { DEFAULT_MAX_ROOMS, DEFAULT_RESERVATION_MS } from './roomServerOptions';
export type { RoomServerOptions, RoomServerStats } from './roomServerOptions';

// Past ~300 lines with its documentation: one role, the public face of a room server; its options
// are roomServerOptions.ts, the routing of datagrams to rooms RoomGate's.
/**
 * A server of many rooms on one socket: room types defined once, rooms made on demand, each with
 * its own game state, loop, clients and limits (a `Server` of its own), and disposed when its last
 * client left. Clients join with a {@link Reservation} (`Client.join`), whose ticket their
 * connect request carries; PyGaSe clients, which know no rooms, land in the default room.
 *
 * ## Example
 * ```ts
 * const rooms = new RoomServer({ defaultRoom: { type: 'arena' } });
 * rooms.define('arena', {
 *   initialState: () => createGameState({ players: {} }),
 *   timeStep: () => ({}),
 *   onJoin: ({ clientKey }) => ({ players: { [clientKey]: { x: 0 } } }),
 *   onLeave: ({ clientKey }) => ({ players: { [clientKey]: TO_DELETE } }),
 * });
 * await rooms.run(0, '127.0.0.1');
 * const seat = await rooms.joinOrCreate('arena');
 * await new Client().join(seat);
 * ```
 *
 * @category Rooms
 */
export class RoomServer {
  /** The rooms now, each time one is made, disposed, joined or left. */
  readonly rooms$: Observable<readonly RoomInfo[]>;
  /**
   * What the socket the rooms share reports (`type` `TRANSPORT_ERROR`): a send the system
   * refused, a socket's error; logged too, at most every 10 s. A room's own `server.errors$`
   * has what its game does wrong.
   */
  readonly errors$: Observable<{ readonly type: string; readonly error: Error }>;

  private readonly definitions = new Map<string, RoomType<GameState>>();
  private readonly rooms = new Map<string, Room>();
  private readonly listing = new BehaviorSubject<readonly RoomInfo[]>([]);
  private readonly troubles = new Subject<{ readonly type: string; readonly error: Error }>();
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;
  private readonly routes: RoomRoutes;
  private transport: Transport | undefined;
  private receiving: Subscription | undefined;
  private defaultRoom: Room | undefined;
  private readonly counts = { refused: 0, invalidTokens: 0, unroutable: 0 };
  private readonly tokens: ConnectTokens | undefined;
  private readonly taken = new TakenTokens();
  private readonly gate: RoomGate;

  constructor(private readonly options: RoomServerOptions = {}) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.logger = options.logger ?? silentLogger;
    this.routes = new RoomRoutes(this.scheduler);
    this.rooms$ = this.listing.asObservable();
    this.errors$ = this.troubles.asObservable();
    this.tokens = options.tokens && new ConnectTokens(options.tokens.secret);
    this.gate = new RoomGate({
      routes: this.routes,
      rooms: this.rooms,
      defaultRoom: () => this.defaultRoom,
      tokens: this.tokens,
      tokensRequired: options.tokens !== undefined && options.tokens.required !== false,
      taken: this.taken,
      counts: this.counts,
      scheduler: this.scheduler,
      address: () => this.address,
      send: (datagram) => this.bound().send(datagram),
    });
    if (options.maxRooms !== undefined && !(options.maxRooms >= 1)) {
      throw new InvalidArgumentError(`maxRooms must be 1 or more, got ${options.maxRooms}`);
    }
    if (options.reservationMs !== undefined && !(options.reservationMs > 0)) {
      throw new InvalidArgumentError(`reservationMs must be above 0, got ${options.reservationMs}`);
    }
  }

  /**
   * Defines a type of room: a definition its rooms share, or a function that makes each room's
   * own from the options the room is created with (see {@link RoomType}).
   *
   * @throws {@link InvalidArgumentError} If the type is defined already, or the definition has no
   *   `initialState` or `timeStep` function (a function's, when it makes a room).
   */
  define<S extends GameState<object>, E extends GameEvents = AnyEvents>(
    type: string,
    definition: RoomType<S, E>,
  ): this {
    if (this.definitions.has(type)) {
      throw new InvalidArgumentError(`the room type ${JSON.stringify(type)} is defined already`);
    }
    if (typeof definition !== 'function') checkDefinition(type, definition);
    this.definitions.set(type, definition as unknown as RoomType<GameState>);
    return this;
  }

  /**
   * Listens on `hostname:port` (0: a port the system picks) and makes the default room, if any.
   *
   * @return The address it listens on.
   * @throws {@link InvalidArgumentError} If the port or hostname is not one, or it runs already.
   * @throws {@link NoSuchRoomError} If the default room's type is not defined.
   */
  async run(port = 0, hostname = 'localhost'): Promise<Address> {
    checkPort(port, 0);
    checkHostname(hostname);
    if (this.transport !== undefined) throw new InvalidStateError('the room server runs already');
    const defaults = this.options.defaultRoom;
    if (defaults !== undefined) this.definitionOf(defaults.type);
    const bind = this.options.bind ?? ((p: number, h: string) => bindUdp({ port: p, host: h }));
    const transport = await bind(port, hostname);
    this.transport = transport;
    this.receiving = transport.datagrams$.subscribe({
      next: (datagram) => this.gate.route(datagram),
      error: (error: unknown) =>
        this.logger.error(`The room server's socket failed: ${String(error)}`),
    });
    const troubled = transportErrorReporter(this.logger, this.scheduler, (failure) =>
      this.troubles.next(failure),
    );
    this.receiving.add(transport.errors$?.subscribe(troubled));
    if (defaults !== undefined) {
      const roomId = defaults.roomId ?? `port-${transport.address.port}`;
      this.defaultRoom = await this.make(defaults.type, defaults.options ?? {}, roomId);
    }
    return transport.address;
  }

  /** Where clients reach this server. @throws {@link InvalidStateError} If it does not run. */
  get address(): Address {
    return this.reachable(this.bound().address);
  }

  /**
   * Where WebSocket clients reach this server, if its transport takes them: one of transports
   * merged (`mergeTransports`) is a WebSocket server.
   */
  get webSocketAddress(): Address | undefined {
    const transport = this.bound();
    const merged = (transport as Partial<MergedTransport>).transports ?? [transport];
    const webSocket = merged.find(({ address }) => address.scheme === 'ws');
    return webSocket && this.reachable(webSocket.address);
  }

  /** `address` as clients reach it: with the public host, if there is one. */
  private reachable(address: Address): Address {
    return this.options.publicHost === undefined
      ? { host: address.host, port: address.port }
      : { host: this.options.publicHost, port: address.port };
  }

  /** The id of the default room, if there is one. */
  get defaultRoomId(): string | undefined {
    return this.defaultRoom?.roomId;
  }

  /** The rooms now, as a listing shows them. */
  list(): RoomInfo[] {
    return [...this.rooms.values()].map((room) => room.info);
  }

  /** The room of `roomId`, if it is here. */
  room(roomId: string): Room | undefined {
    return this.rooms.get(roomId);
  }

  /** What the room server counted, and its rooms and routes now. */
  get stats(): RoomServerStats {
    return { rooms: this.rooms.size, routes: this.routes.size, ...this.counts };
  }

  /**
   * Makes a room of `type` and gives out a seat in it.
   *
   * @param clientId Who the seat is for, as the room's `onJoin` sees it (with connect tokens: the
   *   token is for this client alone).
   * @throws {@link NoSuchRoomError} If the type is not defined.
   */
  async create(type: string, options: RoomOptions = {}, clientId = ''): Promise<Reservation> {
    const room = await this.make(type, options, this.newRoomId());
    try {
      return this.seat(room, clientId);
    } catch (error) {
      // A room made for a seat that could not be given (its token not signed) is no one's.
      await this.dispose(room);
      throw error;
    }
  }

  /**
   * Gives out a seat in a room of `type` that has one (the fullest first, so rooms fill), or in a
   * new room of it.
   *
   * @param clientId As {@link create}'s.
   * @throws {@link NoSuchRoomError} If the type is not defined.
   */
  async joinOrCreate(type: string, options: RoomOptions = {}, clientId = ''): Promise<Reservation> {
    this.definitionOf(type);
    let best: Room | undefined;
    for (const room of this.rooms.values()) {
      if (room.type !== type || room === this.defaultRoom || !room.hasSeat) continue;
      if (best === undefined || room.clients + room.reserved > best.clients + best.reserved) {
        best = room;
      }
    }
    return best === undefined ? this.create(type, options, clientId) : this.seat(best, clientId);
  }

  /**
   * Gives out a seat in room `roomId`; `clientId` as {@link create}'s.
   *
   * @throws {@link NoSuchRoomError} If there is no such room, or it has no seat left.
   */
  join(roomId: string, clientId = ''): Reservation {
    const room = this.rooms.get(roomId);
    if (room === undefined) throw new NoSuchRoomError(`there is no room ${roomId}`, roomId);
    if (!room.hasSeat) throw new NoSuchRoomError(`room ${roomId} is full`, roomId);
    return this.seat(room, clientId);
  }

  /** Disposes every room (their clients are told `shutdown`) and closes the socket. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.rooms.values()].map((room) => this.dispose(room)));
    this.receiving?.unsubscribe();
    this.transport?.close();
    this.transport = undefined;
    this.listing.complete();
  }

  private async make(type: string, options: RoomOptions, roomId: string): Promise<Room> {
    const roomType = this.definitionOf(type);
    const maxRooms = this.options.maxRooms ?? DEFAULT_MAX_ROOMS;
    if (this.rooms.size >= maxRooms) {
      throw new NoSuchRoomError(
        `no room can be made: the server holds ${maxRooms} already`,
        roomId,
      );
    }
    const transport = this.bound();
    const definition =
      typeof roomType === 'function' ? checkDefinition(type, roomType(options)) : roomType;
    const room = new Room(roomId, type, definition, options, {
      transport,
      scheduler: this.scheduler,
      logger: this.logger,
      joined: (id, client) => {
        const key = addressKey(client);
        const joined = this.rooms.get(id);
        if (joined !== undefined) this.routes.connected(key, joined);
        this.taken.spend(key);
        this.relist();
      },
      left: (id, client) => {
        const key = addressKey(client);
        const from = this.rooms.get(id);
        if (from !== undefined) this.routes.left(key, from);
        this.relist();
      },
      clientId: (client) => this.routes.clientIdOf(addressKey(client)),
      empty: (id) => {
        const empty = this.rooms.get(id);
        if (empty !== undefined && empty !== this.defaultRoom) void this.dispose(empty);
      },
    });
    this.rooms.set(roomId, room);
    try {
      await room.start();
      definition.onCreate?.(room);
    } catch (error) {
      // A room that did not start is no room: it goes, and leaves its place to another.
      await this.dispose(room);
      throw error;
    }
    this.logger.info(`Room ${roomId} (${type}) made.`);
    this.relist();
    return room;
  }

  private seat(room: Room, clientId: string): Reservation {
    const address = this.address;
    const ticket =
      this.tokens === undefined
        ? roomTicket(room.roomId)
        : this.tokens.sign({
            roomId: room.roomId,
            server: address,
            clientId,
            expires: this.scheduler.now() + (this.options.tokens?.ttlMs ?? DEFAULT_TOKEN_TTL_MS),
          });
    room.reserve(this.options.reservationMs ?? DEFAULT_RESERVATION_MS);
    this.relist();
    const webSocket = this.webSocketAddress;
    return {
      roomId: room.roomId,
      address,
      ...(webSocket && { webSocket }),
      ticket: ticketText(ticket),
    };
  }

  private async dispose(room: Room): Promise<void> {
    if (room.isDisposed) return;
    this.rooms.delete(room.roomId);
    this.routes.dropRoom(room);
    await room.dispose();
    this.logger.info(`Room ${room.roomId} (${room.type}) disposed.`);
    this.relist();
  }

  private definitionOf(type: string): RoomType<GameState> {
    const definition = this.definitions.get(type);
    if (definition === undefined) {
      throw new NoSuchRoomError(`no room type ${JSON.stringify(type)} is defined`, type);
    }
    return definition;
  }

  private bound(): Transport {
    if (this.transport === undefined) throw new InvalidStateError('the room server is not running');
    return this.transport;
  }

  private newRoomId(): string {
    let id: string;
    do id = randomBytes(6).toString('base64url');
    while (this.rooms.has(id));
    return id;
  }

  private relist(): void {
    if (!this.listing.closed) this.listing.next(this.list());
  }
}

/** `definition`, once it has the functions every room needs. */
function checkDefinition<D extends object>(type: string, definition: D): D {
  const { initialState, timeStep } = (definition ?? {}) as Partial<RoomDefinition>;
  if (typeof initialState !== 'function' || typeof timeStep !== 'function') {
    throw new InvalidArgumentError(
      `the room type ${JSON.stringify(type)} needs initialState and timeStep functions`,
    );
  }
  return definition;
}
