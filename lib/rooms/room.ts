import { Subject } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { GameEventHandler, GameEventHandlers } from '../game/gameHandlers';
import { GameStateMachine } from '../game/gameStateMachine';
import { GameStateStore } from '../game/gameStateStore';
import type { GameEvent } from '../protocol/packages';
import { NoSuchRoomError } from '../protocol/errors';
import type { CloseReason } from '../protocol/rxgasePackets';
import { Server } from '../server/server';
import type { GameState } from '../state/gameState';
import type { Address, Datagram, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import type { Logger } from '../util/logger';
import type { RoomDefinition, RoomInfo, RoomOptions } from './roomDefinition';

/** The events a room pushes its own game loop when a client joins or leaves. */
const JOINED = 'rxgase:joined';
const LEFT = 'rxgase:left';
const DROPPED = 'rxgase:dropped';
const RECONNECTED = 'rxgase:reconnected';
const OWN_EVENTS: ReadonlySet<string> = new Set([JOINED, LEFT, DROPPED, RECONNECTED]);

/** Clients a room takes at most, unless its type says. */
export const DEFAULT_ROOM_MAX_CLIENTS = 64;

/** A room's game loop interval, unless its type says: 40 Hz. */
export const DEFAULT_ROOM_TICK_MS = 25;

/** What a room needs of its room server. */
export interface RoomHost {
  /** The room server's socket, which every room shares. */
  readonly transport: Transport;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  /** A client connected to room `roomId`: its datagrams are the room's for good. */
  readonly joined: (roomId: string, client: Address) => void;
  /** A client left room `roomId`. */
  readonly left: (roomId: string, client: Address) => void;
  /** Room `roomId` has no client, and its dispose delay passed. */
  readonly empty: (roomId: string) => void;
  /** Who the client at an address is, as its connect token said; undefined without one. */
  readonly clientId: (client: Address) => string | undefined;
}

/**
 * One room of a {@link RoomServer}: a game (store, game loop, server) whose server takes the
 * datagrams the room server routes to it and sends through the room server's socket. Reach its
 * clients through `server` (`server.dispatchEvent`), its state through `store`.
 *
 * @category Rooms
 */
export class Room<S extends GameState<object> = GameState> {
  /** The room's game state. */
  readonly store: GameStateStore<S>;
  /** The room's game loop. */
  readonly machine: GameStateMachine<S>;
  /** The room's server: its clients, their events, their stats. */
  readonly server: Server<S>;
  readonly maxClients: number;
  /** What a listing shows of the room, from its type's `metadata`. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Seats given out and not taken yet, each with when it expires. */
  private readonly reservations: number[] = [];
  private readonly input = new Subject<Datagram>();
  private readonly running: Subscription[] = [];
  private disposeTimer: Subscription | undefined;
  private disposed = false;
  /** Who each client is, by address key, as its connect token said. */
  private readonly ids = new Map<string, string | undefined>();

  /** @internal */
  constructor(
    readonly roomId: string,
    readonly type: string,
    private readonly definition: RoomDefinition<S>,
    options: RoomOptions,
    private readonly host: RoomHost,
  ) {
    this.maxClients = definition.maxClients ?? DEFAULT_ROOM_MAX_CLIENTS;
    this.metadata = definition.metadata?.(options) ?? {};
    this.store = new GameStateStore(definition.initialState(options));
    this.machine = new GameStateMachine<S>(this.store, {
      timeStep: definition.timeStep,
      eventHandlers: { ...definition.eventHandlers, ...this.ownHandlers() } as GameEventHandlers<S>,
      scheduler: host.scheduler,
      logger: host.logger,
    });
    const shared = host.transport;
    const transport: Transport = {
      datagrams$: this.input.asObservable(),
      // Every room hears of every link that closed; each ends only its own clients'.
      ...(shared.closed$ !== undefined && { closed$: shared.closed$ }),
      address: shared.address,
      send: (datagram) => shared.send(datagram),
      ...(shared.route !== undefined && { route: shared.route.bind(shared) }),
      close: () => this.input.complete(),
    };
    this.server = new Server<S>(this.store, {
      ...definition.serverOptions,
      maxClients: this.maxClients,
      ...(definition.reconnectGraceMs !== undefined && {
        reconnectGraceMs: definition.reconnectGraceMs,
      }),
      ...(definition.view && { view: definition.view }),
      ...(definition.viewKey && { viewKey: definition.viewKey }),
      scheduler: host.scheduler,
      logger: host.logger,
      bind: async () => transport,
    });
  }

  /**
   * Starts the room's server and game loop.
   *
   * @internal
   */
  async start(): Promise<void> {
    const { port, host } = this.host.transport.address;
    // Events of the names the room pushes itself are not a client's to send.
    const wire = {
      pushEvent: (event: GameEvent, client: Address): void => {
        if (!OWN_EVENTS.has(event.type)) this.machine.pushEvent(event, client);
      },
    };
    try {
      await this.server.run(port, host, wire);
    } catch (error) {
      // Its server shut down as it started: the room was disposed meanwhile.
      if (!this.disposed) throw error;
      throw new NoSuchRoomError(`room ${this.roomId} was disposed as it started`, this.roomId, {
        cause: error,
      });
    }
    if (this.disposed) {
      // Disposed while its server started (the room server shut down meanwhile): no loop runs.
      await this.server.shutdown();
      throw new NoSuchRoomError(`room ${this.roomId} was disposed as it started`, this.roomId);
    }
    this.machine.runGameLoop(this.definition.tickMs ?? DEFAULT_ROOM_TICK_MS);
    this.running.push(
      this.server.connected$.subscribe(({ client }) => {
        this.takeReservation();
        this.disposeTimer?.unsubscribe();
        this.disposeTimer = undefined;
        const clientId = this.host.clientId(client);
        this.ids.set(addressKey(client), clientId);
        this.host.joined(this.roomId, client);
        this.machine.pushEvent({ type: JOINED, args: [], kwargs: {} }, client);
      }),
      this.server.disconnected$.subscribe(({ client, reason }) => {
        this.host.left(this.roomId, client);
        this.machine.pushEvent({ type: LEFT, args: [], kwargs: { reason } }, client);
        this.whenEmpty();
      }),
      // Who the client is goes with each event: the ids move on before the loop handles them.
      this.server.dropped$.subscribe(({ client, reason }) => {
        const clientId = this.ids.get(addressKey(client));
        this.machine.pushEvent({ type: DROPPED, args: [], kwargs: { reason, clientId } }, client);
      }),
      this.server.reconnected$.subscribe(({ client, previous }) => {
        const [key, previousKey] = [addressKey(client), addressKey(previous)];
        const clientId = this.ids.get(previousKey);
        if (key !== previousKey) {
          this.ids.set(key, clientId);
          this.ids.delete(previousKey);
          this.host.left(this.roomId, previous);
        }
        this.host.joined(this.roomId, client);
        this.machine.pushEvent(
          { type: RECONNECTED, args: [], kwargs: { previous: { ...previous }, clientId } },
          client,
        );
      }),
    );
  }

  /**
   * Takes a datagram the room server routed here.
   *
   * @internal
   */
  take(datagram: Datagram): void {
    this.input.next(datagram);
  }

  /** Clients connected now, and those whose link dropped that the room holds a place for. */
  get clients(): number {
    return this.server.connections.size + this.server.heldClients;
  }

  /** Seats given out and not taken yet (expired ones are let go). */
  get reserved(): number {
    const now = this.host.scheduler.now();
    while (this.reservations.length > 0 && (this.reservations[0] as number) <= now) {
      this.reservations.shift();
    }
    return this.reservations.length;
  }

  /** Whether a seat can be given: clients and seats given out are under `maxClients`. */
  get hasSeat(): boolean {
    return !this.disposed && this.clients + this.reserved < this.maxClients;
  }

  /** Whether the room is gone. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The room as a listing shows it. */
  get info(): RoomInfo {
    return {
      roomId: this.roomId,
      type: this.type,
      clients: this.clients,
      maxClients: this.maxClients,
      reserved: this.reserved,
      metadata: this.metadata,
    };
  }

  /**
   * Gives out a seat for `forMs`. A room nobody joins is disposed once its last seat expired.
   *
   * @internal
   */
  reserve(forMs: number): void {
    const expires = this.host.scheduler.now() + forMs;
    this.reservations.push(expires);
    this.reservations.sort((a, b) => a - b);
    this.disposeTimer?.unsubscribe();
    this.disposeTimer = this.host.scheduler.schedule(() => this.whenEmpty(), forMs);
  }

  /**
   * Stops the game loop and the server; its clients are told `shutdown`.
   *
   * @internal
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeTimer?.unsubscribe();
    for (const subscription of this.running) subscription.unsubscribe();
    this.machine.stop();
    await this.server.shutdown();
    this.definition.onDispose?.(this.info);
  }

  /** A client took one of the seats given out. */
  private takeReservation(): void {
    if (this.reserved > 0) this.reservations.shift();
  }

  /**
   * Once nobody is in the room and no seat is out, it goes after its dispose delay; with seats
   * out and nobody in, it looks again once the last of them expires.
   */
  private whenEmpty(): void {
    if (this.disposed || this.clients > 0) return;
    this.disposeTimer?.unsubscribe();
    if (this.reserved > 0) {
      const lastExpires = this.reservations[this.reservations.length - 1] as number;
      this.disposeTimer = this.host.scheduler.schedule(
        () => this.whenEmpty(),
        lastExpires - this.host.scheduler.now(),
      );
      return;
    }
    this.disposeTimer = this.host.scheduler.schedule(() => {
      if (this.clients === 0 && this.reserved === 0) this.host.empty(this.roomId);
    }, this.definition.disposeDelayMs ?? 0);
  }

  /** The handlers of the events the room pushes its game loop as clients join and leave. */
  private ownHandlers(): Record<string, GameEventHandler<S>> {
    const { onJoin, onLeave, onDrop, onReconnect } = this.definition;
    const context = (gameState: S, clientAddress: Address | undefined) => {
      const address = clientAddress as Address;
      const clientKey = addressKey(address);
      return { gameState, clientAddress: address, clientKey, clientId: this.ids.get(clientKey) };
    };
    return {
      [JOINED]: (_payload, { gameState, clientAddress }) =>
        onJoin?.(context(gameState, clientAddress)),
      [LEFT]: (payload, { gameState, clientAddress }) => {
        const changes = onLeave?.({
          ...context(gameState, clientAddress),
          reason: (payload as { reason: CloseReason }).reason,
        });
        if (clientAddress !== undefined) this.ids.delete(addressKey(clientAddress));
        return changes;
      },
      [DROPPED]: (payload, { gameState, clientAddress }) => {
        const { reason, clientId } = payload as { reason: CloseReason; clientId?: string };
        return onDrop?.({ ...context(gameState, clientAddress), clientId, reason });
      },
      [RECONNECTED]: (payload, { gameState, clientAddress }) => {
        const { previous, clientId } = payload as { previous: Address; clientId?: string };
        return onReconnect?.({
          ...context(gameState, clientAddress),
          clientId,
          previousKey: addressKey(previous),
          previousAddress: previous,
        });
      },
    };
  }
}
