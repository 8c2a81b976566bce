import { randomBytes } from 'node:crypto';
import { interval, last, merge, takeUntil } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import { asyncScheduler } from 'rxjs';
import type { Reservation, RoomInfo, RoomOptions } from '../protocol/tickets';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import { ClusterSeats } from './clusterSeats';
import type { ClusterEntry } from './clusterSeats';
import type { Presence, RemoteCall } from './presence';
import type { RoomServer } from './roomServer';

/**
 * What a process of a cluster is made of. Every field is optional and says its default.
 *
 * @category Rooms
 */
export interface RoomClusterOptions {
  /** The process's id in the registry; default random. */
  readonly processId?: string;
  /** How often the process announces itself and its rooms, in ms; default 1,000. */
  readonly heartbeatMs?: number;
  /** How long an announcement lasts, in ms: a process silent for this long is gone; default 3,000. */
  readonly ttlMs?: number;
  /** How long a call to another process may take, in ms; default 2,000. */
  readonly callTimeoutMs?: number;
  /** Where the heartbeat runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent. */
  readonly logger?: Logger;
}

/**
 * A room server as one process of a cluster: it announces itself and its rooms to the cluster's
 * {@link Presence} (Redis: many processes and machines), answers the other processes' calls, and
 * gives seats anywhere in the cluster: `joinOrCreate` seats the player in the fullest room of the
 * type with a seat on any process, or makes one on the least loaded process. A `Matchmaker` in
 * front of it matchmakes for the whole cluster.
 *
 * @category Rooms
 */
export class RoomCluster {
  readonly processId: string;
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private readonly callTimeoutMs: number;
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;
  private heartbeat: Subscription | undefined;
  private readonly seats: ClusterSeats;

  constructor(
    private readonly rooms: RoomServer,
    private readonly presence: Presence,
    options: RoomClusterOptions = {},
  ) {
    this.processId = options.processId ?? randomBytes(6).toString('hex');
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.ttlMs = options.ttlMs ?? 3000;
    this.callTimeoutMs = options.callTimeoutMs ?? 2000;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.logger = options.logger ?? silentLogger;
    // This process's own rooms are seated without a round trip through the presence.
    this.seats = new ClusterSeats(presence, {
      callTimeoutMs: this.callTimeoutMs,
      local: { processId: this.processId, answer: (call) => this.answer(call) },
    });
  }

  /** Joins the cluster: answers calls, and announces the process now and on every heartbeat. */
  async start(): Promise<void> {
    await this.presence.serve(this.processId, (call) => this.answer(call));
    await this.announce();
    // Until the room server shuts down (its rooms$ completes): then there is nothing to announce.
    this.heartbeat = merge(interval(this.heartbeatMs, this.scheduler), this.rooms.rooms$)
      .pipe(takeUntil(this.rooms.rooms$.pipe(last(undefined, undefined))))
      .subscribe(() => void this.announce());
  }

  /** Leaves the cluster at once (its rooms stay until the room server shuts down). */
  async stop(): Promise<void> {
    this.heartbeat?.unsubscribe();
    this.heartbeat = undefined;
    await this.presence.withdraw(this.processId);
  }

  /** Every room of the cluster. */
  list(): Promise<RoomInfo[]> {
    return this.seats.list();
  }

  /** A seat in the fullest room of `type` with one, anywhere, or in a new one. */
  joinOrCreate(type: string, options: RoomOptions = {}, clientId = ''): Promise<Reservation> {
    return this.seats.joinOrCreate(type, options, clientId);
  }

  /** A seat in a new room of `type`, made on the least loaded process. */
  create(type: string, options: RoomOptions = {}, clientId = ''): Promise<Reservation> {
    return this.seats.create(type, options, clientId);
  }

  /** A seat in room `roomId`, wherever it is. */
  join(roomId: string, clientId = ''): Promise<Reservation> {
    return this.seats.join(roomId, clientId);
  }

  private async answer(call: RemoteCall): Promise<Reservation> {
    switch (call.kind) {
      case 'joinOrCreate':
        return this.rooms.joinOrCreate(call.type, call.options, call.clientId);
      case 'create':
        return this.rooms.create(call.type, call.options, call.clientId);
      case 'join':
        return this.rooms.join(call.roomId, call.clientId);
    }
  }

  private async announce(): Promise<void> {
    try {
      const rooms = this.rooms.list();
      const entry: ClusterEntry = {
        processId: this.processId,
        address: this.rooms.address,
        clients: rooms.reduce((sum, room) => sum + room.clients, 0),
        rooms,
        ...(this.rooms.defaultRoomId !== undefined && { defaultRoomId: this.rooms.defaultRoomId }),
      };
      await this.presence.announce(entry, this.ttlMs);
    } catch (error) {
      this.logger.warn(`Could not announce process ${this.processId}: ${(error as Error).message}`);
    }
  }
}
