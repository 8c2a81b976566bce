import { randomBytes } from 'node:crypto';
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Redis } from 'ioredis';
import {
  InvalidArgumentError,
  MatchmakingError,
  NoSuchRoomError,
  RxgaseError,
} from '../protocol/errors';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import type { Presence, ProcessEntry, RemoteCall } from './presence';

/**
 * What a Redis presence is made of.
 *
 * @category Rooms
 */
export interface RedisPresenceOptions {
  /**
   * The Redis server: a `redis://host:port` URL, or ioredis' options (`RedisOptions`: host, port,
   * password, tls, ...). Default `redis://localhost:6379`.
   */
  readonly redis?: string | Readonly<Record<string, unknown>>;
  /** What every key and channel starts with, so clusters can share a Redis; default `rxgase:`. */
  readonly prefix?: string;
  /** Where call timeouts run; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent. */
  readonly logger?: Logger;
}

/** A call on its way to another process, or its answer. */
type Message =
  | { readonly id: string; readonly from: string; readonly call: RemoteCall }
  | { readonly id: string; readonly result?: unknown; readonly error?: CallError };

interface CallError {
  readonly message: string;
  readonly code?: string;
  readonly roomId?: string;
}

/**
 * The presence of a cluster on Redis (with `ioredis`, an optional dependency loaded when one is
 * made): each process's entry is a key that expires unless announced again, so a process that
 * dies leaves the registry within its time to live; calls go by pub/sub, one channel a process,
 * answered on the caller's. ioredis reconnects and subscribes again by itself: while Redis is
 * down, games go on, and the registry comes back with the next announcements.
 *
 * Keys: `<prefix>process:<id>` (the entry as JSON, with a time to live) and `<prefix>processes`
 * (a set of the ids). Channels: `<prefix>call:<id>` and `<prefix>reply:<id>`.
 *
 * @category Rooms
 */
export class RedisPresence implements Presence {
  private readonly prefix: string;
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;
  /** This presence's own id, for the answers to its calls. */
  private readonly self = randomBytes(8).toString('hex');
  private readonly handlers = new Map<string, (call: RemoteCall) => Promise<unknown>>();
  private readonly waiting = new Map<
    string,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: Subscription }
  >();
  private listening: Promise<unknown> | undefined;

  private constructor(
    private readonly commands: Redis,
    private readonly subscriber: Redis,
    options: RedisPresenceOptions,
  ) {
    this.prefix = options.prefix ?? 'rxgase:';
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.logger = options.logger ?? silentLogger;
    subscriber.on('message', (channel: string, text: string) => this.receive(channel, text));
    for (const connection of [commands, subscriber]) {
      connection.on('error', (error: Error) =>
        this.logger.warn(`Redis presence: ${error.message}`),
      );
    }
  }

  /**
   * A presence on the Redis `options.redis` names, connected.
   *
   * @throws {@link InvalidArgumentError} If `ioredis` is not installed (`npm install ioredis`).
   */
  static async connect(options: RedisPresenceOptions = {}): Promise<RedisPresence> {
    let IORedis: typeof Redis;
    try {
      // Loaded on use: a game without a cluster needs no Redis client installed.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      IORedis = (require('ioredis') as { Redis: typeof Redis }).Redis;
    } catch (error) {
      throw new InvalidArgumentError(
        'a Redis presence needs the package ioredis: npm install ioredis',
        { cause: error },
      );
    }
    const target = options.redis ?? 'redis://localhost:6379';
    const open = (): Redis =>
      typeof target === 'string'
        ? new IORedis(target, { maxRetriesPerRequest: 2 })
        : new IORedis({ maxRetriesPerRequest: 2, ...target });
    const presence = new RedisPresence(open(), open(), options);
    try {
      await Promise.all([presence.commands.ping(), presence.subscriber.ping()]);
    } catch (error) {
      // Its clients would go on reconnecting, and keep the process alive: they stop now, with no
      // QUIT, which would wait for a connection that never comes.
      presence.commands.disconnect();
      presence.subscriber.disconnect();
      throw error;
    }
    return presence;
  }

  async announce(entry: ProcessEntry, ttlMs: number): Promise<void> {
    await this.commands
      .multi()
      .set(this.key(entry.processId), JSON.stringify(entry), 'PX', Math.max(1, Math.round(ttlMs)))
      .sadd(`${this.prefix}processes`, entry.processId)
      .exec();
  }

  async withdraw(processId: string): Promise<void> {
    await this.commands
      .multi()
      .del(this.key(processId))
      .srem(`${this.prefix}processes`, processId)
      .exec();
  }

  async processes(): Promise<ProcessEntry[]> {
    const ids = await this.commands.smembers(`${this.prefix}processes`);
    if (ids.length === 0) return [];
    const entries = await this.commands.mget(...ids.map((id) => this.key(id)));
    const gone = ids.filter((_, i) => entries[i] === null);
    // A process whose key expired died (or lost Redis for longer than its time to live).
    if (gone.length > 0) await this.commands.srem(`${this.prefix}processes`, ...gone);
    return entries.flatMap((text) => {
      if (text === null) return [];
      try {
        return [JSON.parse(text) as ProcessEntry];
      } catch {
        this.logger.warn('Redis presence: a process entry is not JSON: left out');
        return [];
      }
    });
  }

  async serve(processId: string, handler: (call: RemoteCall) => Promise<unknown>): Promise<void> {
    this.handlers.set(processId, handler);
    await this.subscriber.subscribe(`${this.prefix}call:${processId}`);
  }

  async call(processId: string, call: RemoteCall, timeoutMs: number): Promise<unknown> {
    try {
      return await this.send(processId, call, timeoutMs);
    } catch (error) {
      if (error instanceof RxgaseError) throw error;
      // Redis did not take the call (it is down, say): no answer comes, as from a dead process.
      throw new MatchmakingError(`Redis did not take the call: ${(error as Error).message}`, 0, {
        cause: error,
      });
    }
  }

  private async send(processId: string, call: RemoteCall, timeoutMs: number): Promise<unknown> {
    this.listening ??= this.subscriber
      .subscribe(`${this.prefix}reply:${this.self}`)
      .catch((error: unknown) => {
        // The next call subscribes again.
        this.listening = undefined;
        throw error;
      });
    await this.listening;
    const id = randomBytes(8).toString('hex');
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = this.scheduler.schedule(() => {
        this.waiting.delete(id);
        reject(new MatchmakingError(`process ${processId} did not answer in ${timeoutMs} ms`, 0));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
    });
    // The answer may come on the subscriber's connection before the publish's reply on the
    // commands' one: a refusal then would be a rejection nobody handled yet, which ends a Node
    // process. It is handled here, and still reaches the caller through `answer`.
    answer.catch(() => undefined);
    const message: Message = { id, from: this.self, call };
    try {
      await this.commands.publish(`${this.prefix}call:${processId}`, JSON.stringify(message));
    } catch (error) {
      // Nothing will answer: the wait ends here, not on its timer.
      this.waiting.get(id)?.timer.unsubscribe();
      this.waiting.delete(id);
      throw error;
    }
    return answer;
  }

  async close(): Promise<void> {
    for (const { timer, reject } of this.waiting.values()) {
      timer.unsubscribe();
      reject(new MatchmakingError('the presence closed', 0));
    }
    this.waiting.clear();
    await Promise.allSettled([this.commands.quit(), this.subscriber.quit()]);
  }

  private key(processId: string): string {
    return `${this.prefix}process:${processId}`;
  }

  /**
   * A message on a channel: a call to answer, or an answer to a call. Anyone who may publish on
   * the Redis may send anything: what is not one of the two is logged and dropped.
   */
  private receive(channel: string, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    if (
      typeof message !== 'object' ||
      message === null ||
      typeof (message as Message).id !== 'string'
    ) {
      this.logger.warn(`Redis presence: dropped a message on ${channel} that is not one`);
      return;
    }
    if (channel.startsWith(`${this.prefix}call:`)) {
      const { id, from, call } = message as { id: string; from?: unknown; call?: unknown };
      if (typeof from !== 'string' || !isCall(call)) {
        this.logger.warn(`Redis presence: dropped a call on ${channel} that is not one`);
        return;
      }
      const handler = this.handlers.get(channel.slice(`${this.prefix}call:`.length));
      if (handler !== undefined) void this.answer(handler, { id, from, call });
      return;
    }
    const { id, result, error } = message as { id: string; result?: unknown; error?: unknown };
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return;
    this.waiting.delete(id);
    waiting.timer.unsubscribe();
    if (error === undefined || error === null) return waiting.resolve(result);
    const { code, roomId, message: why } = error as Partial<CallError>;
    const text2 = typeof why === 'string' ? why : 'the call failed';
    waiting.reject(
      code === 'ERR_NO_SUCH_ROOM'
        ? new NoSuchRoomError(text2, typeof roomId === 'string' ? roomId : '')
        : // It answered, with a failure: 502, not 0, which says no answer came.
          new MatchmakingError(text2, 502),
    );
  }

  private async answer(
    handler: (call: RemoteCall) => Promise<unknown>,
    { id, from, call }: { id: string; from: string; call: RemoteCall },
  ): Promise<void> {
    let reply: Message;
    try {
      reply = { id, result: await handler(call) };
    } catch (error) {
      const { message, code, roomId } = error as Error & { code?: string; roomId?: string };
      reply = { id, error: { message, ...(code && { code }), ...(roomId && { roomId }) } };
    }
    try {
      await this.commands.publish(`${this.prefix}reply:${from}`, JSON.stringify(reply));
    } catch (error) {
      this.logger.warn(`Redis presence: could not answer a call: ${(error as Error).message}`);
    }
  }
}

/** Whether `value` is a call one process may make of another. */
function isCall(value: unknown): value is RemoteCall {
  if (typeof value !== 'object' || value === null) return false;
  const call = value as Record<string, unknown>;
  if (typeof call.clientId !== 'string') return false;
  if (call.kind === 'join') return typeof call.roomId === 'string';
  return (
    (call.kind === 'joinOrCreate' || call.kind === 'create') &&
    typeof call.type === 'string' &&
    typeof call.options === 'object' &&
    call.options !== null &&
    !Array.isArray(call.options)
  );
}
