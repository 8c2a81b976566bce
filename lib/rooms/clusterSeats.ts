import type { Reservation, RoomInfo, RoomOptions } from '../protocol/tickets';
import { MatchmakingError, NoSuchRoomError } from '../protocol/errors';
import type { Presence, ProcessEntry, RemoteCall } from './presence';

/** An entry as a cluster process announces it: with its default room, which is no one's by type. */
export type ClusterEntry = ProcessEntry & { readonly defaultRoomId?: string };

/**
 * Seats anywhere in a cluster, from its presence: what a matchmaker in front of the cluster gives
 * out. `joinOrCreate` seats a player in the fullest room of the type with a seat on any process,
 * or makes one on the least loaded process; the process that holds the room gives the seat.
 *
 * @category Rooms
 */
export class ClusterSeats {
  private readonly callTimeoutMs: number;

  /**
   * @param options.callTimeoutMs How long a call to a process may take; default 2,000 ms.
   * @param options.local A process in this one, answered without the presence.
   */
  constructor(
    private readonly presence: Presence,
    private readonly options: {
      readonly callTimeoutMs?: number;
      readonly local?: {
        readonly processId: string;
        readonly answer: (call: RemoteCall) => Promise<Reservation>;
      };
    } = {},
  ) {
    this.callTimeoutMs = options.callTimeoutMs ?? 2000;
  }

  /** Every room of the cluster. */
  async list(): Promise<RoomInfo[]> {
    return (await this.entries()).flatMap((entry) => entry.rooms);
  }

  /** A seat in the fullest room of `type` with one, anywhere, or in a new one. */
  async joinOrCreate(type: string, options: RoomOptions = {}, clientId = ''): Promise<Reservation> {
    const entries = await this.entries();
    const candidates = entries
      .flatMap((entry) =>
        entry.rooms
          .filter(
            (room) =>
              room.type === type &&
              room.roomId !== entry.defaultRoomId &&
              room.clients + room.reserved < room.maxClients,
          )
          .map((room) => ({ entry, room })),
      )
      .sort((a, b) => b.room.clients + b.room.reserved - (a.room.clients + a.room.reserved));
    for (const { entry, room } of candidates) {
      try {
        return await this.call(entry, { kind: 'join', roomId: room.roomId, clientId });
      } catch (error) {
        // Filled or gone since it was announced, or its process died and has not expired yet:
        // the next.
        if (!(error instanceof NoSuchRoomError || isUnanswered(error))) throw error;
      }
    }
    return this.create(type, options, clientId);
  }

  /** A seat in a new room of `type`, made on the least loaded process. */
  async create(type: string, options: RoomOptions = {}, clientId = ''): Promise<Reservation> {
    const entries = (await this.entries()).sort(
      (a, b) =>
        a.clients - b.clients ||
        a.rooms.length - b.rooms.length ||
        a.processId.localeCompare(b.processId),
    );
    let failed: unknown;
    for (const entry of entries) {
      try {
        return await this.call(entry, { kind: 'create', type, options, clientId });
      } catch (error) {
        // A process that died stays in the registry until its entry expires, and one that holds
        // its `maxRooms` makes no more: the next, which may.
        if (!(error instanceof NoSuchRoomError || isUnanswered(error))) throw error;
        failed = error;
      }
    }
    if (failed !== undefined) throw failed;
    throw new NoSuchRoomError('no process of the cluster is up', type);
  }

  /** A seat in room `roomId`, wherever it is. */
  async join(roomId: string, clientId = ''): Promise<Reservation> {
    const entry = (await this.entries()).find((e) => e.rooms.some((r) => r.roomId === roomId));
    if (entry === undefined) throw new NoSuchRoomError(`there is no room ${roomId}`, roomId);
    return this.call(entry, { kind: 'join', roomId, clientId });
  }

  private async entries(): Promise<ClusterEntry[]> {
    return (await this.presence.processes()) as ClusterEntry[];
  }

  private async call(entry: ClusterEntry, call: RemoteCall): Promise<Reservation> {
    const local = this.options.local;
    if (local !== undefined && entry.processId === local.processId) return local.answer(call);
    return (await this.presence.call(entry.processId, call, this.callTimeoutMs)) as Reservation;
  }
}

/** Whether a call failed for want of an answer (a dead process), not because it was refused. */
function isUnanswered(error: unknown): boolean {
  return error instanceof MatchmakingError && error.status === 0;
}
