import type { SchedulerLike } from 'rxjs';
import type { Room } from './room';

/** How long a route stands for a client whose handshake or first package was not accepted. */
export const PENDING_ROUTE_MS = 10_000;

/** The most clients on their way in at once; past it, the oldest is forgotten. */
export const MAX_PENDING_ROUTES = 10_000;

interface Route {
  readonly room: Room;
  /** When the route was made; undefined once the room connected the client. */
  readonly pendingSince: number | undefined;
  /** The nonce of the connect request that made it; none for a PyGaSe client. */
  readonly nonce: string | undefined;
  /** Who the client is, as its connect token said. */
  readonly clientId: string | undefined;
}

/**
 * Which room each client address belongs to: a client on its way in (its connect request named
 * the room, or a PyGaSe client's first package went to the default room) for a while; a client
 * the room connected for as long as it stays.
 */
export class RoomRoutes {
  private readonly routes = new Map<string, Route>();
  private readonly pending = new Set<string>();

  constructor(private readonly scheduler: SchedulerLike) {}

  /** The room of the client at `key`, if any. */
  roomOf(key: string): Room | undefined {
    const route = this.routes.get(key);
    if (route?.pendingSince !== undefined) {
      if (this.scheduler.now() - route.pendingSince <= PENDING_ROUTE_MS) return route.room;
      this.forget(key);
      return undefined;
    }
    return route?.room;
  }

  /** Who the client at `key` is, as its connect token said. */
  clientIdOf(key: string): string | undefined {
    return this.routes.get(key)?.clientId;
  }

  /**
   * Whether a connect request of `nonce` from `key` may make a route: none is pending there, or
   * the pending one is this request's (sent again), or it expired. A request of another nonce
   * while a handshake is under way would take it over: a spoofed one, most likely.
   */
  mayExpect(key: string, nonce: string): boolean {
    const route = this.routes.get(key);
    if (route?.pendingSince === undefined) return true;
    if (route.nonce === nonce) return true;
    return this.scheduler.now() - route.pendingSince > PENDING_ROUTE_MS;
  }

  /** Whether the client at `key` is connected to a room. */
  isConnected(key: string): boolean {
    const route = this.routes.get(key);
    return route !== undefined && route.pendingSince === undefined;
  }

  /** The client at `key` is on its way into `room`, by a connect request of `nonce`. */
  expect(key: string, room: Room, nonce?: string, clientId?: string): void {
    this.forget(key);
    this.routes.set(key, { room, pendingSince: this.scheduler.now(), nonce, clientId });
    this.pending.add(key);
    if (this.pending.size > MAX_PENDING_ROUTES) {
      this.forget(this.pending.values().next().value as string);
    }
  }

  /** `room` connected the client at `key`. */
  connected(key: string, room: Room): void {
    this.pending.delete(key);
    const clientId = this.routes.get(key)?.clientId;
    this.routes.set(key, { room, pendingSince: undefined, nonce: undefined, clientId });
  }

  /** The client at `key` left `room`: its datagrams go nowhere from now on. */
  left(key: string, room: Room): void {
    if (this.routes.get(key)?.room === room) this.forget(key);
  }

  /** Every route into `room`, which is gone. */
  dropRoom(room: Room): void {
    for (const [key, route] of this.routes) if (route.room === room) this.forget(key);
  }

  /** Routes now, pending ones included. */
  get size(): number {
    return this.routes.size;
  }

  private forget(key: string): void {
    this.routes.delete(key);
    this.pending.delete(key);
  }
}
