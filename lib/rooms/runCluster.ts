import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { filter, firstValueFrom, fromEvent, map, merge, mergeMap, throwError, timeout } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';
import type { Address } from '../transport/datagram';
import { ClusterSeats } from './clusterSeats';
import type { WorkerSettings } from './clusterWorker';
import { Matchmaker } from './matchmaker';
import type { MatchmakerOptions } from './matchmaker';
import { RedisPresence } from './redisPresence';

/**
 * What `runCluster` starts.
 *
 * @category Rooms
 */
export interface ClusterOptions {
  /**
   * The module that defines the room types: its default export (or `defineRooms`) is called with
   * each process's `RoomServer`. A `.ts` module needs `tsx` installed.
   */
  readonly rooms: string;
  /** The Redis the processes share; default `redis://localhost:6379`. */
  readonly redis?: string;
  /** The connect tokens' secret, 16 bytes or more, shared by every process. */
  readonly secret: string;
  /** How many room server processes; default one per core (`os.availableParallelism()`). */
  readonly processes?: number;
  /** Where the room servers and the matchmaker listen; default `127.0.0.1`. */
  readonly host?: string;
  /** The host clients reach the room servers at, if not `host`. */
  readonly publicHost?: string;
  /** The matchmaker's HTTP port; default 2567 (0: one the system picks). */
  readonly matchmakerPort?: number;
  /** The matchmaker's `auth`. */
  readonly auth?: MatchmakerOptions['auth'];
  /** What the cluster's Redis keys start with; default `rxgase:`. */
  readonly prefix?: string;
}

/**
 * A cluster `runCluster` started.
 *
 * @category Rooms
 */
export interface RunningCluster {
  /** Where the matchmaker answers HTTP. */
  readonly matchmaker: Address;
  /** The room server processes, by id, with their addresses and operating-system process ids. */
  readonly processes: readonly {
    readonly processId: string;
    readonly address: Address;
    readonly pid: number;
  }[];
  /** Stops the matchmaker and every process (their rooms' clients told `shutdown`). */
  stop(): Promise<void>;
}

/** How long a process may take to start. */
const START_TIMEOUT_MS = 30_000;

/**
 * Starts a cluster on this machine: one room server process per core, each defining its rooms
 * with the `rooms` module and joined to the cluster on Redis, and a matchmaker in front of them
 * all in this process. Run more machines' processes on the same Redis (with `RoomCluster`) and
 * they join the same cluster.
 *
 * @throws {@link InvalidArgumentError} If `processes` is not a whole number above 0.
 * @throws If a process does not start (its error), or Redis cannot be reached.
 *
 * @category Rooms
 */
export async function runCluster(options: ClusterOptions): Promise<RunningCluster> {
  const count = options.processes ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError(`processes must be a whole number above 0, got ${count}`);
  }
  const host = options.host ?? '127.0.0.1';
  const redis = options.redis ?? 'redis://localhost:6379';
  const settings: WorkerSettings = {
    rooms: options.rooms,
    redis,
    secret: options.secret,
    host,
    ...(options.publicHost !== undefined && { publicHost: options.publicHost }),
    ...(options.prefix !== undefined && { prefix: options.prefix }),
  };
  const children: ChildProcess[] = [];
  const kill = (): void => {
    for (const child of children) child.kill('SIGTERM');
  };
  try {
    const processes = await Promise.all(
      Array.from({ length: count }, () => {
        const child = startProcess(settings, options.rooms);
        children.push(child);
        return readyOf(child);
      }),
    );
    const presence = await RedisPresence.connect({
      redis,
      ...(options.prefix !== undefined && { prefix: options.prefix }),
    });
    const matchmaker = new Matchmaker(new ClusterSeats(presence), {
      ...(options.auth && { auth: options.auth }),
    });
    let address: Address;
    try {
      address = await matchmaker.listen(options.matchmakerPort ?? 2567, host);
    } catch (error) {
      // Its port taken, say: the presence, connected, would keep the process alive.
      await presence.close();
      throw error;
    }
    return {
      matchmaker: address,
      processes,
      stop: async () => {
        await matchmaker.close();
        await Promise.all(children.map((child) => exitOf(child)));
        await presence.close();
      },
    };
  } catch (error) {
    kill();
    throw error;
  }
}

function startProcess(settings: WorkerSettings, rooms: string): ChildProcess {
  const ownExt = extname(__filename);
  const typescript = ownExt === '.ts' || extname(rooms) === '.ts';
  return fork(join(__dirname, `clusterWorker${ownExt}`), [], {
    env: { ...process.env, RXGASE_CLUSTER_WORKER: JSON.stringify(settings) },
    execArgv: typescript ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The process's word that it is ready, or why it is not. */
function readyOf(
  child: ChildProcess,
): Promise<{ processId: string; address: Address; pid: number }> {
  return firstValueFrom(
    merge(
      // A child's handlers get (message, handle): the message alone.
      fromEvent(child, 'message', (message: unknown) => message).pipe(
        map((message) => message as { ready?: boolean; processId: string; address: Address }),
        filter((message) => message.ready === true),
      ),
      fromEvent(child, 'exit', (code: unknown) => code).pipe(
        mergeMap((code) =>
          throwError(
            () => new Error(`a cluster process exited with ${String(code)} as it started`),
          ),
        ),
      ),
    ).pipe(timeout({ first: START_TIMEOUT_MS })),
  ).then(({ processId, address }) => ({ processId, address, pid: child.pid as number }));
}

/** Asks a process to stop, and waits for it to exit. */
function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = firstValueFrom(fromEvent(child, 'exit')).then(() => undefined);
  child.kill('SIGTERM');
  return exited;
}
