import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { MatchmakingError } from '../protocol/errors';
import type { RoomInfo, RoomOptions } from '../protocol/tickets';
import type { Address } from '../transport/datagram';

/**
 * A process of a cluster as its registry holds it: where its room server listens, how many
 * clients it has, and its rooms.
 *
 * @category Rooms
 */
export interface ProcessEntry {
  readonly processId: string;
  readonly address: Address;
  readonly clients: number;
  readonly rooms: readonly RoomInfo[];
}

/**
 * What one process asks another's room server to do: give a seat.
 *
 * @category Rooms
 */
export type RemoteCall =
  | {
      readonly kind: 'joinOrCreate' | 'create';
      readonly type: string;
      readonly options: RoomOptions;
      readonly clientId: string;
    }
  | { readonly kind: 'join'; readonly roomId: string; readonly clientId: string };

/**
 * Where the processes of a cluster find each other: a registry of processes and their rooms, each
 * entry lasting as long as its process keeps announcing it, and calls from one process to
 * another. `InMemoryPresence` is one process's own; `RedisPresence` spans processes and machines.
 *
 * @category Rooms
 */
export interface Presence {
  /** Says the process is alive and what it holds, for `ttlMs`; said again before that, it stays. */
  announce(entry: ProcessEntry, ttlMs: number): Promise<void>;
  /** Takes the process out of the registry at once. */
  withdraw(processId: string): Promise<void>;
  /** Every process whose last announcement has not expired. */
  processes(): Promise<ProcessEntry[]>;
  /** Answers the calls to `processId` with `handler` (what it returns, or why it threw). */
  serve(processId: string, handler: (call: RemoteCall) => Promise<unknown>): Promise<void>;
  /**
   * Calls process `processId`: resolves with what its handler returned.
   *
   * @throws What the handler threw (a `NoSuchRoomError` stays one; anything else a
   *   `MatchmakingError` of status 502), or a `MatchmakingError` of status 0 if no answer came
   *   within `timeoutMs`.
   */
  call(processId: string, call: RemoteCall, timeoutMs: number): Promise<unknown>;
  /** Lets go of what it holds (connections, subscriptions). */
  close(): Promise<void>;
}

/**
 * One process's own presence: the default of a room server that is not part of a cluster.
 * Entries expire on the clock the room server is given.
 *
 * @category Rooms
 */
export class InMemoryPresence implements Presence {
  private readonly entries = new Map<string, { entry: ProcessEntry; expires: number }>();
  private readonly handlers = new Map<string, (call: RemoteCall) => Promise<unknown>>();

  /** @param scheduler Whose clock entries expire on; default `asyncScheduler`. */
  constructor(private readonly scheduler: SchedulerLike = asyncScheduler) {}

  private now(): number {
    return this.scheduler.now();
  }

  async announce(entry: ProcessEntry, ttlMs: number): Promise<void> {
    this.entries.set(entry.processId, { entry, expires: this.now() + ttlMs });
  }

  async withdraw(processId: string): Promise<void> {
    this.entries.delete(processId);
  }

  async processes(): Promise<ProcessEntry[]> {
    const now = this.now();
    const live: ProcessEntry[] = [];
    for (const [id, { entry, expires }] of this.entries) {
      if (expires < now) this.entries.delete(id);
      else live.push(entry);
    }
    return live;
  }

  async serve(processId: string, handler: (call: RemoteCall) => Promise<unknown>): Promise<void> {
    this.handlers.set(processId, handler);
  }

  async call(processId: string, call: RemoteCall): Promise<unknown> {
    const handler = this.handlers.get(processId);
    if (handler === undefined) {
      throw new MatchmakingError(`no process ${processId} answers`, 0);
    }
    return handler(call);
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.handlers.clear();
  }
}
