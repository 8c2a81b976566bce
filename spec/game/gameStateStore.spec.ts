import fc from 'fast-check';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { InvalidStateError, SequenceRangeError } from '../../lib/protocol/errors';
import { applyUpdate } from '../../lib/state/applyUpdate';
import type { GameState } from '../../lib/state/gameState';
import { GameStatus, createGameState } from '../../lib/state/gameState';
import { mergeUpdates } from '../../lib/state/mergeUpdates';
import { Replacement } from '../../lib/state/replacement';
import { TO_DELETE } from '../../lib/state/toDelete';

describe('GameStateStore', () => {
  it('starts with the initial state and a cache of one empty update', () => {
    const store = new GameStateStore();
    expect(store.getGameState()).toEqual({ time_order: 0, game_status: GameStatus.Paused });
    expect(store.getUpdateCache()).toEqual([{ time_order: 0 }]);
  });

  it('applies a pushed update and keeps it in the cache', () => {
    const store = new GameStateStore();
    store.pushUpdate({ time_order: 1, test: 'foobar' });
    expect(store.getUpdateCache()).toHaveLength(2);
    expect(store.getGameState()).toMatchObject({ time_order: 1, test: 'foobar' });
  });

  it('keeps the last 100 updates, which merge into the newest time_order', () => {
    const store = new GameStateStore();
    for (let i = 0; i < 200; i++) {
      expect(store.getUpdateCache()).toHaveLength(Math.min(i + 1, 100));
      store.pushUpdate({ time_order: i + 1 });
      expect(store.getUpdateCache().reduce(mergeUpdates).time_order).toBe(i + 1);
    }
  });

  it('hands out a copy of the cache, which pushes do not change', () => {
    const store = new GameStateStore();
    store.pushUpdate({ time_order: 2 });
    const cache = store.getUpdateCache();
    store.pushUpdate({ time_order: 3 });
    expect(cache).toHaveLength(2);
  });

  it('feeds state$ with each new state, and ignores stale updates', () => {
    const store = new GameStateStore(createGameState({ foo: 0 }));
    const seen: unknown[] = [];
    store.state$.subscribe((state) => seen.push(state.foo));
    store.pushUpdate({ time_order: 1, foo: 1 });
    store.pushUpdate({ time_order: 1, foo: 99 });
    store.pushUpdate({ time_order: 2, foo: TO_DELETE });
    expect(seen).toEqual([0, 1, 1, undefined]);
    expect(store.getGameState().time_order).toBe(2);
  });

  it('refuses updates it could not send, at the call', () => {
    const store = new GameStateStore();
    expect(() => store.pushUpdate({ time_order: 70000 })).toThrow(SequenceRangeError);
    expect(() => store.pushUpdate({ time_order: 1, when: new Date() })).toThrow(InvalidStateError);
    expect(store.getGameState().time_order).toBe(0);
    expect(store.getUpdateCache()).toHaveLength(1);
  });

  describe('updateSince', () => {
    it('gives clients at the same time_order the same update, until the state changes', () => {
      const store = new GameStateStore(createGameState({ foo: 0 }));
      store.pushUpdate({ time_order: 1, foo: 1 });
      store.pushUpdate({ time_order: 2, foo: 2 });
      for (const timeOrder of [0, 1, 2]) {
        expect(store.updateSince(timeOrder)).toBe(store.updateSince(timeOrder));
      }
      const before = store.updateSince(2);
      expect(before).toEqual({ time_order: 2 });
      store.pushUpdate({ time_order: 3, foo: 3 });
      expect(store.updateSince(2)).not.toBe(before);
      expect(store.updateSince(2)).toMatchObject({ time_order: 3, foo: 3 });
    });

    const play = () => {
      const store = new GameStateStore(createGameState({ players: {} }));
      store.pushUpdate({ time_order: 1, game_status: GameStatus.Active });
      store.pushUpdate({ time_order: 2, players: { ann: { x: 1, score: 3 } } });
      store.pushUpdate({ time_order: 3, players: { ann: TO_DELETE } });
      store.pushUpdate({ time_order: 4, players: { ann: { x: 5 } }, round: 2 });
      return { store };
    };

    it('gives a client with no state the whole state, every key', () => {
      const { store } = play();
      expect(store.updateSince(0)).toEqual(store.getGameState());
    });

    it('deletes from a whole state what earlier full states held, for a client that may hold one', () => {
      const { store } = play(); // ann had a score at 2, was deleted at 3, is back without one at 4
      const update = store.updateSince(0, 2);
      expect(update.players).toEqual({ ann: { x: 5, score: TO_DELETE } });
      const client = applyUpdate(createGameState({}), {
        time_order: 2,
        game_status: GameStatus.Active,
        players: { ann: { x: 1, score: 3 } },
      });
      expect(applyUpdate(client, update)).toEqual(store.getGameState());
    });

    it('gives a client exactly what it lacks, deleting what the server no longer has', () => {
      const store = new GameStateStore(createGameState({ players: {} }));
      const clientStates: GameState[] = [store.getGameState()];
      const updates = [
        { time_order: 1, game_status: GameStatus.Active },
        { time_order: 2, players: { ann: { x: 1, score: 3 } } },
        { time_order: 3, players: { ann: TO_DELETE } },
        { time_order: 4, players: { ann: { x: 5 } }, round: 2 },
      ];
      for (const update of updates) {
        store.pushUpdate(update);
        clientStates.push(store.getGameState());
      }
      for (const client of clientStates) {
        expect(applyUpdate(client, store.updateSince(client.time_order))).toEqual(
          client.time_order === 4 ? client : store.getGameState(),
        );
      }
      // The player who left and came back has no stale score: PyGaSe's sum would keep it.
      expect(store.updateSince(2)).toEqual({
        players: { ann: { score: TO_DELETE, x: 5 } },
        round: 2,
        game_status: GameStatus.Active,
        time_order: 4,
      });
    });

    it('brings a client that moved on since it reported to the current state too', () => {
      // The client reported 1, then applied the update for 2 and holds proj; 3 deletes proj.
      const store = new GameStateStore(createGameState({ a: 1 }));
      store.pushUpdate({ time_order: 1 });
      store.pushUpdate({ time_order: 2, proj: 1 });
      const client = applyUpdate(store.updateSince(0) as GameState, store.updateSince(1));
      expect(client).toMatchObject({ time_order: 2, proj: 1 });
      store.pushUpdate({ time_order: 3, proj: TO_DELETE });
      expect(applyUpdate(client, store.updateSince(1))).toEqual(store.getGameState());
    });

    it('brings every state since the one reported to the current one, whatever happened between', () => {
      const key = fc.constantFrom('a', 'b', 'c');
      const { value } = fc.letrec((tie) => ({
        value: fc.oneof(
          { depthSize: 'small', maxDepth: 2 },
          fc.integer({ min: 0, max: 3 }),
          fc.constant(TO_DELETE),
          fc.dictionary(key, tie('value'), { maxKeys: 2 }),
        ),
      }));
      fc.assert(
        fc.property(
          fc.array(fc.dictionary(key, value, { maxKeys: 3 }), { minLength: 1, maxLength: 8 }),
          (changes) => {
            const store = new GameStateStore(createGameState({}));
            const states: GameState[] = [store.getGameState()];
            changes.forEach((change, i) => {
              store.pushUpdate({ ...change, time_order: i + 1 });
              states.push(store.getGameState());
            });
            const now = store.getGameState();
            states.forEach((reported, t) => {
              for (const held of states.slice(t)) {
                // A client that reported none but holds a state took it from a full state.
                const fullSince = t === 0 && held.time_order > 0 ? 1 : undefined;
                const update = store.updateSince(reported.time_order, fullSince);
                expect(applyUpdate(held, update)).toEqual(
                  held.time_order === now.time_order ? held : now,
                );
              }
            });
          },
        ),
        { numRuns: 300 },
      );
    });

    it('stays exact with replacements, stale updates and many keys, looking only where updates went', () => {
      const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
      const { value } = fc.letrec((tie) => ({
        value: fc.oneof(
          { depthSize: 'small', maxDepth: 3 },
          fc.integer({ min: 0, max: 3 }),
          fc.constant(TO_DELETE),
          fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
          fc.dictionary(key, tie('value'), { maxKeys: 3 }),
          fc
            .dictionary(key, fc.integer({ min: 0, max: 3 }), { maxKeys: 2 })
            .map((map) => new Replacement(map)),
        ),
      }));
      fc.assert(
        fc.property(
          fc.array(
            fc.record({ change: fc.dictionary(key, value, { maxKeys: 4 }), stale: fc.boolean() }),
            { minLength: 1, maxLength: 12 },
          ),
          (steps) => {
            const store = new GameStateStore(createGameState({}), 6);
            const states: GameState[] = [store.getGameState()];
            // Which push made each state: the cache holds the last 6, and a state is known while
            // the update that made it is there (the cache starts with an empty update, push 0).
            const madeBy: number[] = [0];
            let pushes = 0;
            let timeOrder = 0;
            for (const { change, stale } of steps) {
              pushes++;
              if (stale && timeOrder > 1) {
                store.pushUpdate({ ...change, time_order: timeOrder - 1 }); // changes nothing
              } else {
                store.pushUpdate({ ...change, time_order: ++timeOrder });
                states.push(store.getGameState());
                madeBy.push(pushes);
              }
            }
            const now = store.getGameState();
            states.forEach((reported, t) => {
              if (t === 0 || (madeBy[t] as number) <= pushes - 6) return; // the whole state
              for (const held of states.slice(t)) {
                const update = store.updateSince(reported.time_order);
                expect(applyUpdate(held, update)).toEqual(
                  held.time_order === now.time_order ? held : now,
                );
              }
            });
          },
        ),
        { numRuns: 300 },
      );
    });

    it('forgets a state that began the game once its updates left the cache, whatever its time_order', () => {
      const store = new GameStateStore(createGameState({ a: 0, b: 0, time_order: 7 }), 5);
      const first = store.getGameState();
      store.pushUpdate({ time_order: 8, a: 1 });
      for (let t = 9; t <= 14; t++) store.pushUpdate({ time_order: t, b: t });
      // The update that set `a` is gone from the cache: the state of time 7 is no longer known.
      expect(applyUpdate(first, store.updateSince(7))).toEqual(store.getGameState());
    });

    it('gives the whole state to a client with none, even before the game began', () => {
      const store = new GameStateStore(createGameState({ a: 1 }));
      expect(store.updateSince(0)).toEqual({ a: 1, time_order: 0, game_status: 0 });
    });

    it('says only the time_order to a client that is up to date', () => {
      const { store } = play();
      expect(store.updateSince(4)).toEqual({ time_order: 4 });
    });

    it('gives the whole state to a client older than the cache', () => {
      const store = new GameStateStore(createGameState({ n: 0 }), 10);
      for (let t = 1; t <= 30; t++) store.pushUpdate({ time_order: t, n: t });
      expect(applyUpdate(createGameState({ n: 3 }), store.updateSince(5))).toEqual(
        store.getGameState(),
      );
      expect(store.updateSince(25)).toEqual({ n: 30, game_status: 0, time_order: 30 });
    });
  });
});
