import { firstValueFrom } from 'rxjs';
import type { Client } from '../../lib/index';
import { InvalidArgumentError, RoomServer, seededRandom } from '../../lib/index';
import { encodeUpdate } from '../../lib/protocol/encode';
import { TestWorld } from '../../lib/testing/index';
import type { ChaseOptions } from '../../demos/chase/backend';
import { BIG_WORLD, chaseBackend } from '../../demos/chase/backend';
import type { Chase, ChaseEvents } from '../../demos/chase/game';
import { CHASE_ROOM, MAX_PLAYERS, PROTECTION_SECONDS } from '../../demos/chase/game';
import { MAX_ROOM_BOTS, MAX_ROOM_NAME_LENGTH, defineChaseRooms } from '../../demos/chase/rooms';
import { bytesInPerSecond } from '../../demos/chase/player';

type Player = Client<Chase, ChaseEvents>;

/** Far apart, so that nobody is caught by chance. */
const SPAWNS: readonly [number, number][] = [
  [20, 20],
  [620, 400],
  [620, 20],
  [20, 400],
  [320, 210],
];
const LONG_NAME = 'x'.repeat(1900);
/** The longest name the game takes, in the widest characters: four bytes each. */
const WIDEST_NAME = '\u{1F600}'.repeat(16);

/**
 * The chase backend in virtual time, its warnings and handler failures kept. The MOVEs below also
 * carry the event's old form (positional arguments naming a player), which a hostile client may
 * send.
 */
async function chaseWorld() {
  const warnings: string[] = [];
  let placed = 0;
  const world = await TestWorld.start<Chase, ChaseEvents>({
    backend: (options) =>
      chaseBackend({
        ...options,
        spawn: () => SPAWNS[placed++ % SPAWNS.length]!,
        logger: {
          debug: () => undefined,
          info: () => undefined,
          warn: (message) => warnings.push(message),
          error: () => undefined,
        },
      }),
  });
  const failures: unknown[] = [];
  world.gameStateMachine.errors$.subscribe((failure) => failures.push(failure));
  return { world, warnings, failures };
}

/** Joins as `name`; resolves with the player's id once the client sees itself so named. */
async function join(world: TestWorld<Chase, ChaseEvents>, client: Player, name: string) {
  const created = firstValueFrom(client.on('PLAYER_CREATED'));
  await world.settle(client.dispatchEvent('JOIN', { name }, { retries: 5 }));
  const { id } = (await world.settle(created)).kwargs;
  await world.until(client, (state) => state.players[id]?.name === name.trim());
  return id;
}

/** A few ticks, for events to be handled and their changes to reach the clients. */
const TICKS_MS = 200;

describe('the chase demo against hostile clients', () => {
  it('refuses a 1,900-character name: the state does not grow, and others still join', async () => {
    const { world, warnings } = await chaseWorld();
    const mallory = await world.connect('mallory');
    const before = encodeUpdate(world.state).length;
    const refused = firstValueFrom(mallory.on('JOIN_REFUSED'));
    for (let i = 0; i < 2; i++) {
      await world.settle(mallory.dispatchEvent('JOIN', { name: LONG_NAME }, { retries: 5 }));
    }
    await world.advance(TICKS_MS);
    expect(encodeUpdate(world.state).length).toBe(before);
    expect(world.state.players).toEqual({});
    expect((await world.settle(refused)).kwargs.reason).toMatch(/1 to 16 printable/);
    expect(warnings).toEqual([
      expect.stringContaining('refused') as string,
      expect.stringContaining('refused') as string,
    ]);
    const ann = await world.connect('ann');
    const id = await join(world, ann, 'ann');
    expect(Object.keys(ann.state.players)).toEqual([id]);
    await world.shutdown();
  });

  it('lets the newest player still receive the state of a full game of the longest names', async () => {
    const { world } = await chaseWorld();
    for (let i = 0; i < MAX_PLAYERS; i++) {
      const hostile = await world.connect(`hostile-${i}`);
      await world.settle(hostile.dispatchEvent('JOIN', { name: LONG_NAME }, { retries: 5 }));
      await join(world, hostile, WIDEST_NAME);
    }
    const late = await world.connect('late');
    expect(Object.keys(late.state.players)).toHaveLength(MAX_PLAYERS);
    const refused = firstValueFrom(late.on('JOIN_REFUSED'));
    await world.settle(late.dispatchEvent('JOIN', { name: 'late' }, { retries: 5 }));
    expect((await world.settle(refused)).kwargs.reason).toBe('the game is full');
    await world.advance(TICKS_MS);
    expect(Object.keys(world.state.players)).toHaveLength(MAX_PLAYERS);
    await world.shutdown();
  });

  it('gives each address one player: a second JOIN renames it', async () => {
    const { world } = await chaseWorld();
    const ann = await world.connect('ann');
    const id = await join(world, ann, 'ann');
    expect(await join(world, ann, ' Anna ')).toBe(id);
    expect(world.state.players).toEqual({ [id]: { name: 'Anna', position: SPAWNS[0] } });
    await world.shutdown();
  });

  it("moves only the sender's own player: a MOVE naming another moves nobody else", async () => {
    const { world } = await chaseWorld();
    const ann = await world.connect('ann');
    const bob = await world.connect('bob');
    const annId = await join(world, ann, 'ann');
    const bobId = await join(world, bob, 'bob');
    await world.settle(
      bob.dispatchEvent('MOVE', [annId, [300, 200]], { position: [300, 200] }, { retries: 5 }),
    );
    await world.until(ann, (state) => state.players[bobId]?.position[0] === 300);
    expect(ann.state.players[annId]?.position).toEqual(SPAWNS[0]);
    expect(world.state.players[bobId]?.position).toEqual([300, 200]);
    await world.shutdown();
  });

  it('ignores a MOVE from an address without a player: no nameless player appears', async () => {
    const { world } = await chaseWorld();
    const ann = await world.connect('ann');
    const annId = await join(world, ann, 'ann');
    const mallory = await world.connect('mallory');
    for (const id of [annId, '7']) {
      await world.settle(
        mallory.dispatchEvent('MOVE', [id, [300, 200]], { position: [300, 200] }, { retries: 5 }),
      );
    }
    await world.advance(TICKS_MS);
    expect(world.state.players).toEqual({ [annId]: { name: 'ann', position: SPAWNS[0] } });
    await world.shutdown();
  });

  it('ignores positions that are not two finite numbers, and clamps the rest to the field', async () => {
    const { world, failures } = await chaseWorld();
    const ann = await world.connect('ann');
    const id = await join(world, ann, 'ann');
    const bad: unknown[] = [
      [Number.NaN, 5],
      [5, Number.POSITIVE_INFINITY],
      ['300', '200'],
      [300],
      [300, 200, 1],
      { x: 300, y: 200 },
      'here',
      null,
    ];
    for (const position of bad) {
      await world.settle(
        ann.dispatchEvent('MOVE', [id, position], { position } as never, { retries: 5 }),
      );
    }
    await world.settle(ann.dispatchEvent('MOVE', [id], {} as never, { retries: 5 }));
    await world.advance(TICKS_MS);
    expect(world.state.players[id]?.position).toEqual(SPAWNS[0]);
    expect(failures).toEqual([]);
    await world.settle(ann.dispatchEvent('MOVE', { position: [-5, 9999] }, { retries: 5 }));
    await world.until(ann, (state) => state.players[id]?.position[1] === 420);
    expect(ann.state.players[id]?.position).toEqual([0, 420]);
    await world.shutdown();
  });

  it('applies numbered MOVEs only newer than the last applied, and keeps its number for prediction', async () => {
    const { world, failures } = await chaseWorld();
    const ann = await world.connect('ann');
    const id = await join(world, ann, 'ann');
    const moveTo = (position: [number, number], seq: unknown) =>
      world.settle(ann.dispatchEvent('MOVE', { position, seq } as never, { retries: 5 }));
    await moveTo([100, 100], 2);
    await world.until(ann, (state) => state.players[id]?.lastMove === 2);
    expect(ann.state.players[id]?.position).toEqual([100, 100]);
    // Late (a number not after 2) or not a number of moves: dropped.
    for (const seq of [1, 2, 0, -3, 2.5, '3', Number.MAX_SAFE_INTEGER + 2]) {
      await moveTo([300, 300], seq);
    }
    await world.advance(TICKS_MS);
    expect(world.state.players[id]).toMatchObject({ position: [100, 100], lastMove: 2 });
    await moveTo([200, 200], 3);
    await world.until(ann, (state) => state.players[id]?.lastMove === 3);
    expect(ann.state.players[id]?.position).toEqual([200, 200]);
    expect(failures).toEqual([]);
    await world.shutdown();
  });

  it('removes a player who disconnects; back from the same address, it is a new player', async () => {
    const { world } = await chaseWorld();
    const [ann, bob] = [await world.connect('ann'), await world.connect('bob')];
    const annId = await join(world, ann, 'ann');
    const bobId = await join(world, bob, 'bob');
    await world.disconnect(ann);
    const seen = await world.until(bob, (state) => !(annId in state.players));
    expect(Object.keys(seen.players)).toEqual([bobId]);
    // Back from the same address, a new player: the server forgot the old one.
    await world.connect(ann);
    const again = await join(world, ann, 'ann');
    expect(again).not.toBe(annId);
    expect(Object.keys(world.state.players).sort()).toEqual([bobId, again].sort());
    await world.shutdown();
  });

  it('removes a player who times out, and nobody chases an empty board', async () => {
    const { world } = await chaseWorld();
    const ann = await world.connect('ann');
    const annId = await join(world, ann, 'ann');
    world.cutLink(ann);
    await world.advance(4000);
    expect(world.state.players[annId]).toBeDefined();
    await world.until('server', (state) => Object.keys(state.players).length === 0, 2000);
    await world.until('server', (state) => state.chaser_id === null, TICKS_MS);
    await world.shutdown();
  });

  it('gives the chase, protected, to the longest-playing player left', async () => {
    const { world } = await chaseWorld();
    const players = [await world.connect('ann'), await world.connect('bob')];
    const cleo = await world.connect('cleo');
    const [annId, bobId, cleoId] = [
      await join(world, players[0]!, 'ann'),
      await join(world, players[1]!, 'bob'),
      await join(world, cleo, 'cleo'),
    ];
    expect(world.state).toMatchObject({ chaser_id: annId, protection: false });
    await world.disconnect(players[0]!);
    const seen = await world.until(cleo, (state) => state.chaser_id !== annId);
    expect(seen).toMatchObject({ chaser_id: bobId, protection: true });
    expect(seen.countdown).toBeCloseTo(PROTECTION_SECONDS, 1);
    expect(Object.keys(seen.players).sort()).toEqual([bobId, cleoId].sort());
    await world.shutdown();
  });
});

/** The big world's field, with `options` (its bots and view, or fewer or none), its dice seeded. */
async function bigWorld(options: Pick<ChaseOptions, 'bots' | 'viewRadius'>) {
  const world: TestWorld<Chase, ChaseEvents> = await TestWorld.start<Chase, ChaseEvents>({
    backend: (backendOptions) =>
      chaseBackend({
        ...backendOptions,
        field: BIG_WORLD.field,
        ...options,
        random: seededRandom(15),
        // Among the bots, on the first one's spot: someone is near, most are far.
        spawn: () => [...world.state.players['0']!.position],
      }),
  });
  return world;
}

const distance = (a: readonly [number, number], b: readonly [number, number]): number =>
  Math.hypot(a[0] - b[0], a[1] - b[1]);

/** What `client` receives a second, each second for `seconds` seconds, as the demo shows it. */
async function bytesEachSecond(world: TestWorld<Chase, ChaseEvents>, client: Player, seconds = 3) {
  const rates: number[] = [];
  const measuring = bytesInPerSecond(client.connection!).subscribe((rate) => rates.push(rate));
  await world.advance(seconds * 1000);
  measuring.unsubscribe();
  return rates;
}

const mean = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

describe('the big world: 200 bots, each client seeing around its own player', () => {
  const radius = BIG_WORLD.viewRadius;

  it('gives a client no player before it joins, then only the players within the radius', async () => {
    const world = await bigWorld(BIG_WORLD);
    const ann = await world.connect('ann');
    expect(ann.state.players).toEqual({});
    expect(ann.state.field).toEqual(BIG_WORLD.field);
    const id = await join(world, ann, 'ann');
    await world.advance(1000);

    const all = world.state.players;
    expect(Object.keys(all)).toHaveLength(BIG_WORLD.bots + 1);
    const here = all[id]!.position;
    const byDistance = Object.keys(all)
      .filter((other) => other !== id)
      .sort((a, b) => distance(all[a]!.position, here) - distance(all[b]!.position, here));
    const [nearest] = byDistance;
    const farthest = byDistance.at(-1)!;
    expect(distance(all[nearest!]!.position, here)).toBeLessThan(radius / 2);
    expect(distance(all[farthest]!.position, here)).toBeGreaterThan(4 * radius);
    expect(ann.state.players[nearest!]).toBeDefined();
    expect(ann.state.players[farthest]).toBeUndefined();

    // Everything it holds is one state's view: each player within the radius of its own.
    const seen = ann.state.players;
    const mine = seen[id]!.position;
    for (const player of Object.values(seen)) {
      expect(distance(player.position, mine)).toBeLessThanOrEqual(radius);
    }
    expect(Object.keys(seen).length).toBeLessThan(20);
    expect(ann.state).toMatchObject({ chaser_id: world.state.chaser_id });
    await world.shutdown();
  });

  it('moves the bots, so that over time some leave the view and others enter it', async () => {
    const world = await bigWorld(BIG_WORLD);
    const ann = await world.connect('ann');
    const id = await join(world, ann, 'ann');
    const start = { ...world.state.players };
    const first = new Set(Object.keys(ann.state.players));
    const ever = new Set(first);
    const watching = ann.state$.subscribe((state) => {
      for (const seen of Object.keys(state.players)) ever.add(seen);
    });
    await world.advance(10_000);
    watching.unsubscribe();

    const moved = Object.keys(start).filter(
      (bot) => distance(start[bot]!.position, world.state.players[bot]!.position) > 100,
    );
    expect(moved.length).toBeGreaterThan(BIG_WORLD.bots * 0.8);
    const last = new Set(Object.keys(ann.state.players));
    expect([...first].filter((bot) => !last.has(bot))).not.toEqual([]);
    expect([...ever].filter((bot) => !first.has(bot))).not.toEqual([]);
    expect(last.has(id)).toBe(true);
    await world.shutdown();
  });

  it('reports bytes a second, fewer with 200 bots through the view than for a whole world of 16', async () => {
    const viewed = await bigWorld(BIG_WORLD);
    const ann = await viewed.connect('ann');
    await join(viewed, ann, 'ann');
    const throughView = await bytesEachSecond(viewed, ann);
    await viewed.shutdown();

    const whole = await bigWorld({ bots: MAX_PLAYERS - 1 });
    const bob = await whole.connect('bob');
    await join(whole, bob, 'bob');
    expect(Object.keys(bob.state.players)).toHaveLength(MAX_PLAYERS);
    const wholeWorld = await bytesEachSecond(whole, bob);
    await whole.shutdown();

    expect(throughView).toHaveLength(3);
    expect(wholeWorld).toHaveLength(3);
    for (const rate of [...throughView, ...wholeWorld]) expect(rate).toBeGreaterThan(0);
    expect(mean(throughView)).toBeLessThan(mean(wholeWorld));
  });

  it('sends the whole world of 200 bots without the view, in blocks, at many times the bytes', async () => {
    const viewed = await bigWorld(BIG_WORLD);
    const ann = await viewed.connect('ann');
    await join(viewed, ann, 'ann');
    const throughView = await bytesEachSecond(viewed, ann);
    await viewed.shutdown();

    const world = await bigWorld({ bots: BIG_WORLD.bots });
    const bob = await world.connect('bob');
    await join(world, bob, 'bob');
    expect(Object.keys(bob.state.players)).toHaveLength(BIG_WORLD.bots + 1);
    const whole = await bytesEachSecond(world, bob);
    await world.shutdown();
    expect(mean(whole)).toBeGreaterThan(4 * mean(throughView));
  });
});

describe('the chase rooms', () => {
  it('makes each room with its own server bots, and refuses options it does not take', async () => {
    const rooms = defineChaseRooms(new RoomServer());
    await rooms.run(0, '127.0.0.1');
    try {
      const two = rooms.room((await rooms.create(CHASE_ROOM, { name: 'Two', bots: 2 })).roomId);
      const none = rooms.room((await rooms.create(CHASE_ROOM)).roomId);
      const players = (room: typeof two): string[] =>
        Object.values((room?.store.getGameState() as Chase).players).map((p) => p.name);
      expect(players(two)).toEqual(['npc-1', 'npc-2']);
      expect(players(none)).toEqual([]);
      expect(rooms.list().map((room) => room.metadata)).toEqual([
        { name: 'Two', bots: 2 },
        { name: 'Chase', bots: 0 },
      ]);
      for (const options of [
        { bots: MAX_ROOM_BOTS + 1 },
        { bots: 1.5 },
        { bots: '2' },
        { name: '' },
        { name: 'x'.repeat(MAX_ROOM_NAME_LENGTH + 1) },
        { name: 'bell\u0007' },
        { name: 'right\u202eto left' },
        { name: 'zero\u200bwidth' },
        { name: 'line\u2028break' },
        { name: 42 },
      ]) {
        await expect(rooms.create(CHASE_ROOM, options)).rejects.toBeInstanceOf(
          InvalidArgumentError,
        );
      }
      expect(rooms.list()).toHaveLength(2);
    } finally {
      await rooms.shutdown();
    }
  });
});
