import fc from 'fast-check';
import { encodeServerPackage } from '../../lib/protocol/encode';
import { UnencodableValueError } from '../../lib/protocol/errors';
import { sqnAdd } from '../../lib/protocol/sequence';
import { applyUpdate } from '../../lib/state/applyUpdate';
import type { GameState, GameStateUpdate } from '../../lib/state/gameState';
import { GameStatus, createGameState } from '../../lib/state/gameState';
import { mergeUpdates } from '../../lib/state/mergeUpdates';
import { Replacement } from '../../lib/state/replacement';
import { deepFreeze } from '../helpers/deepFreeze';
import { TO_DELETE, isToDelete } from '../../lib/state/toDelete';

describe('mergeUpdates', () => {
  it('lets the newer values and time_order win', () => {
    expect(mergeUpdates({ time_order: 3, a: 1, b: 1 }, { time_order: 4, b: 2, c: 2 })).toEqual({
      time_order: 4,
      a: 1,
      b: 2,
      c: 2,
    });
  });

  it('decides which is newer by time_order, across the wrap, whatever the argument order', () => {
    const older = { time_order: 65534, a: 'old' };
    const newer = { time_order: 2, a: 'new' };
    expect(mergeUpdates(newer, older)).toEqual({ time_order: 2, a: 'new' });
    expect(mergeUpdates(older, newer)).toEqual({ time_order: 2, a: 'new' });
  });

  it('lets the second win a tie, so one tick merges in order', () => {
    expect(mergeUpdates({ time_order: 7, a: 1 }, { time_order: 7, a: 2 })).toEqual({
      time_order: 7,
      a: 2,
    });
  });

  it('merges nested objects', () => {
    expect(
      mergeUpdates(
        { time_order: 1, players: { ann: { x: 1, y: 1 } } },
        { time_order: 2, players: { ann: { x: 2 }, bob: { x: 3 } } },
      ),
    ).toEqual({ time_order: 2, players: { ann: { x: 2, y: 1 }, bob: { x: 3 } } });
  });

  it('keeps TO_DELETE as a value, at any depth', () => {
    const merged = mergeUpdates(
      { time_order: 1, a: 1, players: { ann: { x: 1 } } },
      { time_order: 2, a: TO_DELETE, players: { ann: { x: TO_DELETE } } },
    );
    expect(isToDelete(merged.a)).toBe(true);
    expect(isToDelete((merged.players as { ann: { x: unknown } }).ann.x)).toBe(true);
  });

  it('merges a nested TO_DELETE under a newer object, as PyGaSe does', () => {
    expect(
      mergeUpdates(
        { time_order: 3, test: { 1: TO_DELETE } },
        { time_order: 5, test: { 1: 'a', 2: 'b' } },
      ),
    ).toEqual({ time_order: 5, test: { 1: 'a', 2: 'b' } });
  });

  it('makes a Replacement where a deleted key comes back as an object', () => {
    const merged = mergeUpdates(
      { time_order: 1, players: { ann: TO_DELETE } },
      { time_order: 2, players: { ann: { name: 'ann' } } },
    );
    const ann = (merged.players as { ann: unknown }).ann;
    expect(ann).toBeInstanceOf(Replacement);
    expect((ann as Replacement).value).toEqual({ name: 'ann' });
    // The player who left and came back has no stale keys of the one before.
    const state = createGameState({ players: { ann: { name: 'old', score: 9 } } });
    expect(applyUpdate(state, merged).players).toEqual({ ann: { name: 'ann' } });
  });

  it('merges a newer object into an older Replacement', () => {
    const merged = mergeUpdates(
      { time_order: 1, a: new Replacement({ x: 1, y: 1 }) },
      { time_order: 2, a: { y: TO_DELETE, z: 3 } },
    );
    expect(merged.a).toEqual(new Replacement({ x: 1, z: 3 }));
  });

  it('keeps the older game_status when the newer one is none', () => {
    const merged = mergeUpdates({ time_order: 1, game_status: GameStatus.Active }, {
      time_order: 2,
      game_status: TO_DELETE,
    } as unknown as GameStateUpdate);
    expect(merged.game_status).toBe(GameStatus.Active);
    expect(mergeUpdates({ time_order: 1 }, { time_order: 2 })).not.toHaveProperty('game_status');
    expect(
      mergeUpdates({ time_order: 1, game_status: 1 }, { time_order: 2, game_status: 0 })
        .game_status,
    ).toBe(0);
  });

  it('leaves both inputs untouched and shares no object with them', () => {
    const older = deepFreeze({ time_order: 1, a: { x: 1 }, list: [1, { y: 2 }] });
    const newer = deepFreeze({ time_order: 2, a: { z: 1 }, b: { w: [3] } });
    const merged = mergeUpdates(older, newer) as Record<string, Record<string, unknown>>;
    expect(merged.list).not.toBe(older.list);
    expect(merged.list?.[1]).not.toBe(older.list[1]);
    expect(merged.b).not.toBe(newer.b);
    expect(merged.b?.w).not.toBe(newer.b.w);
  });

  it('treats an undefined entry of the older update as absent', () => {
    const merged = mergeUpdates({ time_order: 1, a: undefined }, { time_order: 2, a: { y: 2 } });
    const state = createGameState({ a: { x: 1 } });
    expect(applyUpdate(state, merged).a).toEqual({ x: 1, y: 2 });
  });

  it('gives an update the PyGaSe codec refuses where it holds a Replacement', () => {
    const merged = mergeUpdates({ time_order: 1, p: TO_DELETE }, { time_order: 2, p: { a: 1 } });
    expect(() =>
      encodeServerPackage({
        header: { sequence: 1, ack: 0, ackBitfield: 0 },
        update: merged,
        events: [],
      }),
    ).toThrow(UnencodableValueError);
  });

  it('leaves out entries that are undefined', () => {
    expect(mergeUpdates({ time_order: 1, a: 1 }, { time_order: 2, a: undefined })).toEqual({
      time_order: 2,
      a: 1,
    });
  });
});

describe('update properties', () => {
  const key = fc.constantFrom('a', 'b', 'c', '0', '__proto__');
  const leaf = fc.oneof(
    fc.integer({ min: -5, max: 5 }),
    fc.constantFrom('x', 'y'),
    fc.constant(null),
    fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
    fc.uint8Array({ maxLength: 2 }),
    fc.uint8Array({ maxLength: 2 }).map((bytes) => Buffer.from(bytes)),
  );
  const { data, change } = fc.letrec((tie) => ({
    // What a state holds: plain data.
    data: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      leaf,
      fc.dictionary(key, tie('data'), { maxKeys: 3 }),
    ),
    // What an update holds: plain data, deletions, and now and then a Replacement.
    change: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      leaf,
      fc.constant(TO_DELETE),
      fc.constant(undefined),
      fc.dictionary(key, tie('change'), { maxKeys: 3 }),
      fc.dictionary(key, tie('change'), { maxKeys: 2 }).map((value) => new Replacement(value)),
    ),
  }));
  const custom = fc.dictionary(key, change, { maxKeys: 4 });
  const status = fc.option(fc.constantFrom(GameStatus.Paused, GameStatus.Active), {
    nil: undefined,
  });
  const startTimeOrder = fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 65535 }),
    fc.constant(65535),
  );

  const makeState = (entries: Record<string, unknown>, timeOrder: number): GameState =>
    deepFreeze({
      ...(applyUpdate(createGameState({}), { time_order: 1, ...entries }) as object),
      time_order: timeOrder,
      game_status: GameStatus.Paused,
    }) as GameState;

  const makeUpdate = (
    entries: Record<string, unknown>,
    timeOrder: number,
    gameStatus: GameStatus | undefined,
  ): GameStateUpdate =>
    deepFreeze({
      ...entries,
      time_order: timeOrder,
      ...(gameStatus !== undefined && { game_status: gameStatus }),
    });

  /** Neither TO_DELETE nor a Replacement ever ends up in a state. */
  const holdsOnlyData = (value: unknown): boolean =>
    !isToDelete(value) &&
    !(value instanceof Replacement) &&
    (typeof value !== 'object' ||
      value === null ||
      value instanceof Uint8Array ||
      Object.values(value).every(holdsOnlyData));

  it('applying mergeUpdates(u1, u2) equals applying u1 then u2', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, data, { maxKeys: 4 }),
        startTimeOrder,
        fc.tuple(custom, fc.integer({ min: 1, max: 100 }), status),
        fc.tuple(custom, fc.integer({ min: 1, max: 100 }), status),
        (entries, t0, [c1, step1, s1], [c2, step2, s2]) => {
          const state = makeState(entries, t0);
          const t1 = sqnAdd(t0, step1);
          const u1 = makeUpdate(c1, t1, s1);
          const u2 = makeUpdate(c2, sqnAdd(t1, step2), s2);
          const oneAfterTheOther = applyUpdate(applyUpdate(state, u1), u2);
          expect(applyUpdate(state, mergeUpdates(u1, u2))).toEqual(oneAfterTheOther);
          expect(applyUpdate(state, mergeUpdates(u2, u1))).toEqual(oneAfterTheOther);
          expect(holdsOnlyData(oneAfterTheOther)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('merging is associative', () => {
    fc.assert(
      fc.property(fc.tuple(custom, custom, custom), startTimeOrder, ([c1, c2, c3], t0) => {
        const u1 = makeUpdate(c1, sqnAdd(t0, 1), undefined);
        const u2 = makeUpdate(c2, sqnAdd(t0, 2), undefined);
        const u3 = makeUpdate(c3, sqnAdd(t0, 3), undefined);
        const state = makeState({}, t0);
        expect(applyUpdate(state, mergeUpdates(mergeUpdates(u1, u2), u3))).toEqual(
          applyUpdate(state, mergeUpdates(u1, mergeUpdates(u2, u3))),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('updates arriving in any order end in the state of the newest-wins order', () => {
    // The server sends each client the merged update since what the client acked: each update
    // sums all before it. However they arrive, the client ends with the newest.
    fc.assert(
      fc.property(
        fc.dictionary(key, data, { maxKeys: 4 }),
        startTimeOrder,
        fc.array(fc.tuple(custom, status), { minLength: 1, maxLength: 8 }),
        fc.func(fc.integer()),
        (entries, t0, changes, shuffleKey) => {
          const state = makeState(entries, t0);
          const updates = changes.map(([c, s], i) => makeUpdate(c, sqnAdd(t0, i + 1), s));
          const inOrder = updates.reduce(applyUpdate, state);
          const sums = updates.map((_, i) =>
            updates.slice(1, i + 1).reduce(mergeUpdates, updates[0]!),
          );
          const arrival = sums
            .map((sum, i) => ({ sum, order: shuffleKey(i) }))
            .sort((x, y) => x.order - y.order)
            .map(({ sum }) => sum);
          expect(arrival.reduce(applyUpdate, state)).toEqual(inOrder);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a stale update never changes the state', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, data, { maxKeys: 4 }),
        fc.integer({ min: 1, max: 65535 }),
        custom,
        fc.integer({ min: 0, max: 32766 }),
        (entries, t0, c, back) => {
          const state = makeState(entries, t0);
          const timeOrder = ((t0 - back - 1 + 65535 * 2) % 65535) + 0;
          const stale = makeUpdate(c, timeOrder === 0 ? 65535 : timeOrder, undefined);
          expect(applyUpdate(state, stale)).toBe(state);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
