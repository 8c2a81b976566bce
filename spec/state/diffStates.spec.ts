import fc from 'fast-check';
import { sqnAdd } from '../../lib/protocol/sequence';
import { applyUpdate } from '../../lib/state/applyUpdate';
import { diffStates } from '../../lib/state/diffStates';
import type { GameState } from '../../lib/state/gameState';
import { GameStatus, createGameState } from '../../lib/state/gameState';
import { TO_DELETE } from '../../lib/state/toDelete';
import { deepFreeze } from '../helpers/deepFreeze';

describe('diffStates', () => {
  it('sets what changed, deletes what went, and keeps time_order and game_status', () => {
    const from = createGameState({ a: 1, b: 2, players: { ann: { x: 1, y: 1 }, bob: { x: 2 } } });
    const to = createGameState({
      time_order: 9,
      game_status: GameStatus.Active,
      a: 1,
      c: 3,
      players: { ann: { x: 3, y: 1 } },
    });
    expect(diffStates(from, to)).toEqual({
      b: TO_DELETE,
      c: 3,
      players: { ann: { x: 3 }, bob: TO_DELETE },
      game_status: GameStatus.Active,
      time_order: 9,
    });
  });

  it('says nothing of parts the states share or that are equal', () => {
    const shared = { deep: { x: [1, 2] } };
    const from = createGameState({ shared, list: [1, { a: 2 }], bytes: Uint8Array.of(1) });
    const to = createGameState({
      time_order: 2,
      shared,
      list: [1, { a: 2 }],
      bytes: Uint8Array.of(1),
    });
    expect(diffStates(from, to)).toEqual({ game_status: 0, time_order: 2 });
  });

  it('replaces a value by an object, and deletes the keys a new object lacks', () => {
    const from = createGameState({ p: 5, q: { old: 1, kept: 2 } });
    const to = createGameState({ time_order: 1, p: { x: 1 }, q: { kept: 2, fresh: 3 } });
    expect(applyUpdate(from, diffStates(from, to))).toEqual(to);
  });

  it('turns any state into any newer one when applied', () => {
    const key = fc.constantFrom('a', 'b', '0', 'c');
    const { data } = fc.letrec((tie) => ({
      data: fc.oneof(
        { depthSize: 'small', maxDepth: 3 },
        fc.integer({ min: -3, max: 3 }),
        fc.constant(null),
        fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
        fc.uint8Array({ maxLength: 2 }),
        fc.dictionary(key, tie('data'), { maxKeys: 3 }),
      ),
    }));
    const state = (
      entries: Record<string, unknown>,
      timeOrder: number,
      status: GameStatus,
    ): GameState =>
      deepFreeze({ ...entries, time_order: timeOrder, game_status: status }) as GameState;
    fc.assert(
      fc.property(
        fc.dictionary(key, data, { maxKeys: 4 }),
        fc.dictionary(key, data, { maxKeys: 4 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(GameStatus.Paused, GameStatus.Active),
        (before, after, t, step, status) => {
          const from = state(before, t, GameStatus.Paused);
          const to = state(after, sqnAdd(t === 0 ? 1 : t, step), status);
          expect(applyUpdate(from, diffStates(from, to))).toEqual(to);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
