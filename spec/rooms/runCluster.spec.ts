import { Client } from '../../lib/client/client';
import { RedisPresence } from '../../lib/rooms/redisPresence';
import { runCluster } from '../../lib/rooms/runCluster';
import type { ArenaRoom } from '../helpers/arenaRoom';
import { useRedis } from '../helpers/redisServer';
import type { RunningRedis } from '../helpers/redisServer';

describe('runCluster, on a real Redis', () => {
  const running = useRedis();
  let redis: RunningRedis;
  beforeEach(() => {
    redis = running.current();
  });

  it('starts a process per room server with the matchmaker in front, and stops them all', async () => {
    const cluster = await runCluster({
      rooms: 'spec/fixtures/clusterRooms.ts',
      redis: redis.url,
      secret: 'the cluster secret, sixteen bytes or more',
      processes: 2,
      matchmakerPort: 0,
      prefix: 'run:',
    });
    const watcher = await RedisPresence.connect({ redis: redis.url, prefix: 'run:' });
    const matchmaker = `http://127.0.0.1:${cluster.matchmaker.port}`;
    const players = ['ann', 'bob', 'cat'].map(
      (name) => new Client<ArenaRoom>({ matchmaker, credentials: name }),
    );
    try {
      expect(cluster.processes).toHaveLength(2);
      expect(new Set(cluster.processes.map((p) => p.address.port)).size).toBe(2);
      // Each pid is a live process of its own, and none is this one.
      const pids = cluster.processes.map((p) => p.pid);
      expect(new Set([...pids, process.pid]).size).toBe(3);
      for (const pid of pids) expect(() => process.kill(pid, 0)).not.toThrow();
      const [ann, bob, cat] = players as [Client<ArenaRoom>, Client<ArenaRoom>, Client<ArenaRoom>];
      await ann.joinOrCreate('arena');
      await bob.joinOrCreate('arena');
      await bob.waitUntil((state) => Object.keys(state.players).length === 2);
      // The first room is full: the next goes to the other process, the least loaded.
      await cat.joinOrCreate('arena');
      const hosts = await watcher.processes();
      const busy = hosts.map((entry) => entry.rooms.length).sort();
      expect(busy).toEqual([1, 1]);
    } finally {
      for (const player of players) await player.disconnect();
      await cluster.stop();
    }
    expect(await watcher.processes()).toEqual([]);
    await watcher.close();
  }, 60_000);
});
