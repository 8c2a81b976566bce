import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { Client } from '../../lib/client/client';
import { Matchmaker } from '../../lib/rooms/matchmaker';
import type { Presence } from '../../lib/rooms/presence';
import { RedisPresence } from '../../lib/rooms/redisPresence';
import { RoomCluster } from '../../lib/rooms/roomCluster';
import { RoomServer } from '../../lib/rooms/roomServer';
import { arenaRoom } from '../helpers/arenaRoom';
import type { ArenaRoom } from '../helpers/arenaRoom';
import { useRedis } from '../helpers/redisServer';
import type { RunningRedis } from '../helpers/redisServer';

const SECRET = 'the cluster secret, sixteen bytes or more';

/** Waits until `check` holds, asking every 50 ms, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > until) throw new Error(`not so within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A process of the cluster, in this one: a room server on UDP, its presence, its matchmaker. */
async function node(redis: string, processId: string) {
  const rooms = new RoomServer({ tokens: { secret: SECRET } }).define('arena', {
    ...arenaRoom,
    maxClients: 2,
  });
  await rooms.run(0, '127.0.0.1');
  const presence = await RedisPresence.connect({ redis, prefix: 'spec:' });
  const cluster = new RoomCluster(rooms, presence, { processId, heartbeatMs: 200, ttlMs: 1000 });
  await cluster.start();
  const matchmaker = new Matchmaker(cluster, { auth: (credentials) => String(credentials) });
  const { port } = await matchmaker.listen(0, '127.0.0.1');
  const player = (user: string): Client<ArenaRoom> =>
    new Client<ArenaRoom>({ matchmaker: `http://127.0.0.1:${port}`, credentials: user });
  const stop = async (): Promise<void> => {
    await matchmaker.close();
    await cluster.stop();
    await rooms.shutdown();
    await presence.close();
  };
  return { rooms, presence, cluster, player, stop };
}

describe('a cluster of room servers on a real Redis', () => {
  const running = useRedis();
  let redis: RunningRedis;
  beforeEach(() => {
    redis = running.current();
  });

  it("seats a player through one process's matchmaker in a room the other made, and places new rooms on the least loaded", async () => {
    const a = await node(redis.url, 'a');
    const b = await node(redis.url, 'b');
    const players: Client<ArenaRoom>[] = [];
    try {
      const ann = a.player('ann');
      players.push(ann);
      await ann.create('arena', { name: 'made on a' });
      const bob = b.player('bob');
      players.push(bob);
      await bob.joinOrCreate('arena');
      await bob.waitUntil((state) => Object.keys(state.players).length === 2);
      expect(bob.state.name).toBe('made on a');
      expect(a.rooms.list()).toHaveLength(1);
      expect(b.rooms.list()).toHaveLength(0);
      // Process a holds two players, b none: a new room goes to b, asked through a.
      await eventually(async () => (await a.cluster.list())[0]?.clients === 2, 3000);
      const cat = a.player('cat');
      players.push(cat);
      await cat.joinOrCreate('arena', { name: 'made on b' });
      expect(b.rooms.list().map((room) => room.metadata.name)).toEqual(['made on b']);
      expect((await b.cluster.list()).map((room) => room.metadata.name).sort()).toEqual([
        'made on a',
        'made on b',
      ]);
    } finally {
      for (const player of players) await player.disconnect();
      await a.stop();
      await b.stop();
    }
  }, 30_000);

  it('drops what is not a call or an answer on its channels, and goes on answering', async () => {
    const a = await node(redis.url, 'a');
    const b = await node(redis.url, 'b');
    const hostile = new Redis(redis.url);
    try {
      for (const text of [
        'null',
        '{"id":1}',
        '{"id":"x","from":"y","call":{"kind":"evil"}}',
        '[',
        '{}',
      ]) {
        await hostile.publish('spec:call:a', text);
        await hostile.publish('spec:reply:whoever', text);
      }
      // A room on a, asked through b: a still answers.
      await a.rooms.create('arena');
      await eventually(async () => (await b.cluster.list()).length === 1, 3000);
      const seat = await b.cluster.joinOrCreate('arena', {}, 'ann');
      expect(seat.address.port).toBe(a.rooms.address.port);
    } finally {
      hostile.disconnect();
      await a.stop();
      await b.stop();
    }
  }, 30_000);

  it("fails a call whose refusal comes in before its publish's reply, and lives on", async () => {
    // In a process of its own, where a rejection nobody handled would end it.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '../fixtures/earlyRefusal.ts'), redis.url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toMatch(/NoSuchRoomError: room \S+ is full/);
  }, 30_000);

  it('forgets a process killed with SIGKILL within seconds', async () => {
    const watcher: Presence = await RedisPresence.connect({ redis: redis.url, prefix: 'spec:' });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '../fixtures/clusterProcess.ts'), redis.url, 'doomed'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (data: Buffer) => data.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`the process exited with ${code}`)));
      });
      const ids = async (): Promise<string[]> =>
        (await watcher.processes()).map((entry) => entry.processId);
      expect(await ids()).toContain('doomed');
      const entry = (await watcher.processes()).find((e) => e.processId === 'doomed');
      expect(entry?.rooms).toHaveLength(1);
      const killed = performance.now();
      child.kill('SIGKILL');
      await eventually(async () => !(await ids()).includes('doomed'), 5000);
      // Its time to live is 1 s: gone within that and a heartbeat.
      expect(performance.now() - killed).toBeLessThan(2500);
    } finally {
      child.kill('SIGKILL');
      await watcher.close();
    }
  }, 60_000);

  it('goes on playing while Redis restarts, and the registry comes back', async () => {
    const a = await node(redis.url, 'a');
    const ann = a.player('ann');
    const bob = a.player('bob');
    try {
      await ann.joinOrCreate('arena');
      await bob.joinOrCreate('arena');
      await bob.waitUntil((state) => Object.keys(state.players).length === 2);
      // A call with Redis up: unanswered, it times out.
      const call = { kind: 'join', roomId: 'r', clientId: '' } as const;
      await expect(a.presence.call('nobody', call, 100)).rejects.toThrow(/did not answer/);
      await redis.stop();
      // Matchmaking waits for Redis: a seat asked for now fails, and nothing is left waiting.
      const unhandled: unknown[] = [];
      const note = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', note);
      await expect(a.cluster.joinOrCreate('arena')).rejects.toBeDefined();
      await expect(a.presence.call('b', call, 500)).rejects.toBeDefined();
      // The game does not need Redis: moves go on.
      ann.dispatchEvent('MOVE', [], { x: 42 });
      await bob.waitUntil((state) => Object.values(state.players).some((p) => p.x === 42));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      process.off('unhandledRejection', note);
      expect(unhandled).toEqual([]);
      await redis.start();
      await eventually(
        async () => (await a.presence.processes().catch(() => [])).some((e) => e.processId === 'a'),
        10_000,
      );
    } finally {
      await ann.disconnect();
      await bob.disconnect();
      await a.stop();
    }
  }, 60_000);
});

describe('RedisPresence.connect where no Redis answers', () => {
  it('rejects, and leaves no client of it trying again', async () => {
    // A port that takes connections and closes them, as no Redis would.
    const refusing = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const { port } = refusing.address() as AddressInfo;
    const connects = jest.spyOn(Redis.prototype, 'connect');
    try {
      await expect(RedisPresence.connect({ redis: `redis://127.0.0.1:${port}` })).rejects.toThrow();
      const tried = connects.mock.calls.length;
      expect(tried).toBeGreaterThan(2);
      // A client left open connects again within 50 to 400 ms, on and on; these never do.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(connects.mock.calls.length).toBe(tried);
    } finally {
      connects.mockRestore();
      refusing.close();
    }
  });
});
