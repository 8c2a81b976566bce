/**
 * One process of a cluster `runCluster` starts: a room server on UDP whose room types the user's
 * module defines, joined to the cluster on Redis. Its settings come as JSON in the environment
 * variable RXGASE_CLUSTER_WORKER; it tells its parent `ready` with its address, and leaves the
 * cluster and shuts its rooms down (their clients told `shutdown`) on SIGTERM or when its parent
 * goes.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { RedisPresence } from './redisPresence';
import { RoomCluster } from './roomCluster';
import { RoomServer } from './roomServer';

/** What `runCluster` hands each process. */
export interface WorkerSettings {
  readonly rooms: string;
  readonly redis: string;
  readonly secret: string;
  readonly host: string;
  readonly publicHost?: string;
  readonly prefix?: string;
}

/** The function a rooms module gives: it defines the room types on a process's room server. */
type DefineRooms = (rooms: RoomServer) => void | Promise<void>;

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.RXGASE_CLUSTER_WORKER ?? '{}') as WorkerSettings;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(resolve(settings.rooms)) as { default?: unknown; defineRooms?: unknown };
  const define = (module.defineRooms ?? module.default) as DefineRooms | undefined;
  if (typeof define !== 'function') {
    throw new Error(
      `${settings.rooms} exports neither a function defineRooms nor a default function`,
    );
  }
  const rooms = new RoomServer({
    tokens: { secret: settings.secret },
    ...(settings.publicHost !== undefined && { publicHost: settings.publicHost }),
  });
  await define(rooms);
  const address = await rooms.run(0, settings.host);
  const presence = await RedisPresence.connect({
    redis: settings.redis,
    ...(settings.prefix !== undefined && { prefix: settings.prefix }),
  });
  const cluster = new RoomCluster(rooms, presence, { processId: `${hostname()}-${process.pid}` });
  await cluster.start();
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await cluster.stop().catch(() => undefined);
    await rooms.shutdown();
    await presence.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  process.send?.({ ready: true, address, processId: cluster.processId });
}

main().catch((error: unknown) => {
  process.stderr.write(`A cluster process failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
