import { InvalidStateError } from '../../lib/protocol/errors';
import { applyUpdate } from '../../lib/state/applyUpdate';
import type { GameState } from '../../lib/state/gameState';
import { GameStatus, createGameState } from '../../lib/state/gameState';
import { mergeUpdates } from '../../lib/state/mergeUpdates';
import { Replacement } from '../../lib/state/replacement';
import { deepFreeze } from '../helpers/deepFreeze';
import { TO_DELETE } from '../../lib/state/toDelete';

describe('applyUpdate', () => {
  const state = deepFreeze(
    createGameState({ foo: 1, players: { ann: { x: 1, y: 2 }, bob: { x: 3, y: 4 } } }),
  );

  it('sets keys and the time_order of a newer update', () => {
    expect(applyUpdate(state, { time_order: 1, foo: 2, bar: 'new' })).toEqual({
      ...state,
      foo: 2,
      bar: 'new',
      time_order: 1,
    });
  });

  it('merges nested objects deeply', () => {
    const next = applyUpdate(state, { time_order: 1, players: { ann: { x: 5 } } });
    expect(next.players).toEqual({ ann: { x: 5, y: 2 }, bob: { x: 3, y: 4 } });
  });

  it('shares the parts the update did not touch, and copies what it did', () => {
    const position = { x: 5 };
    const next = applyUpdate(state, { time_order: 1, players: { ann: position } });
    expect(next.players.bob).toBe(state.players.bob);
    expect(next.players.ann).not.toBe(state.players.ann);
    position.x = 99;
    expect(next.players.ann).toEqual({ x: 5, y: 2 });
  });

  it('keeps a map the update leaves as it was, as when a whole state comes again', () => {
    const again = applyUpdate(state, {
      time_order: 1,
      game_status: GameStatus.Active,
      foo: 1,
      players: { ann: { x: 1, y: 2 }, bob: { x: 3 }, carl: TO_DELETE },
    });
    expect(again).not.toBe(state);
    expect(again.players).toBe(state.players);
    // What did change is a copy, and the maps above it too.
    const moved = applyUpdate(state, { time_order: 1, players: { ann: { x: 1, y: 9 } } });
    expect(moved.players).not.toBe(state.players);
    expect(moved.players.ann).toEqual({ x: 1, y: 9 });
    expect(moved.players.bob).toBe(state.players.bob);
  });

  it('never mutates the state or the update', () => {
    const update = deepFreeze({ time_order: 1, foo: TO_DELETE, players: { ann: TO_DELETE } });
    expect(() => applyUpdate(state, update)).not.toThrow();
    expect(state.foo).toBe(1);
  });

  it('replaces a value that is not an object, and an object by a value', () => {
    const next = applyUpdate(state, { time_order: 1, foo: { a: 1 }, players: [1, 2] });
    expect(next.foo).toEqual({ a: 1 });
    expect(next.players).toEqual([1, 2]);
  });

  it('deletes a key set to TO_DELETE, at any depth', () => {
    const next = applyUpdate(state, {
      time_order: 1,
      foo: TO_DELETE,
      players: { ann: { y: TO_DELETE }, bob: TO_DELETE },
    });
    expect(next).toEqual({ time_order: 1, game_status: 0, players: { ann: { x: 1 } } });
  });

  it('recognises TO_DELETE by value, as a decoded copy of it arrives', () => {
    const next = applyUpdate(state, { time_order: 1, foo: Uint8Array.of(0xd2, 0x81, 0xe5, 0xba) });
    expect(next).not.toHaveProperty('foo');
  });

  it('does not write TO_DELETE into the state: deleting what is not there does nothing', () => {
    const next = applyUpdate(state, {
      time_order: 1,
      missing: TO_DELETE,
      fresh: { a: 1, b: TO_DELETE, c: { d: TO_DELETE } },
    });
    expect(next).not.toHaveProperty('missing');
    expect((next as GameState).fresh).toEqual({ a: 1, c: {} });
  });

  it('keeps other bytes as values', () => {
    const next = applyUpdate(state, { time_order: 1, blob: Uint8Array.of(1, 2, 3) });
    expect((next as GameState).blob).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('copies bytes, a Buffer too, so the update cannot change the state afterwards', () => {
    const blob = Buffer.from([1, 2, 3]);
    const next = applyUpdate(state, { time_order: 1, blob, list: [blob] }) as GameState;
    blob[0] = 99;
    expect(next.blob).toEqual(Uint8Array.of(1, 2, 3));
    expect(next.list).toEqual([Uint8Array.of(1, 2, 3)]);
  });

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a Float32Array', new Float32Array(1)],
  ])('throws an InvalidStateError for an update holding %s', (_what, value) => {
    expect(() => applyUpdate(state, { time_order: 1, a: { b: value } })).toThrow(InvalidStateError);
    expect(() => applyUpdate(state, { time_order: 1, a: [value] })).toThrow(/plain data only/);
  });

  it('keeps TO_DELETE inside an array as the bytes it is, and unwraps a Replacement there', () => {
    const next = applyUpdate(state, {
      time_order: 1,
      list: [TO_DELETE, new Replacement({ x: 1, y: TO_DELETE })],
    }) as GameState;
    expect(next.list).toEqual([TO_DELETE, { x: 1 }]);
  });

  it('sets exactly the object of a Replacement, dropping what the state held there', () => {
    const next = applyUpdate(state, {
      time_order: 1,
      players: { ann: new Replacement({ name: 'ann2', gone: TO_DELETE }) },
    });
    expect(next.players).toEqual({ ann: { name: 'ann2' }, bob: { x: 3, y: 4 } });
  });

  it('treats an undefined entry as absent, as the wire does', () => {
    const next = applyUpdate(state, { time_order: 1, foo: undefined, bar: { a: undefined } });
    expect(next.foo).toBe(1);
    expect((next as GameState).bar).toEqual({});
  });

  it('writes a key named __proto__ as an entry', () => {
    const update = JSON.parse('{"time_order": 1, "__proto__": {"polluted": true}}');
    const next = applyUpdate(state, update) as GameState;
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(next, '__proto__')?.value).toEqual({ polluted: true });
  });

  describe('time_order', () => {
    it('ignores an update that is not newer, returning the same state', () => {
      const later = applyUpdate(state, { time_order: 5, foo: 5 });
      expect(applyUpdate(later, { time_order: 5, foo: 6 })).toBe(later);
      expect(applyUpdate(later, { time_order: 4, foo: 6 })).toBe(later);
      expect(applyUpdate(state, { time_order: 0, foo: 6 })).toBe(state);
    });

    it('takes an update across the wrap, and ignores one from before it', () => {
      const old = createGameState({ foo: 1, time_order: 65530 });
      const wrapped = applyUpdate(old, { time_order: 3, foo: 2 });
      expect(wrapped).toMatchObject({ foo: 2, time_order: 3 });
      expect(applyUpdate(wrapped, { time_order: 65534, foo: 3 })).toBe(wrapped);
    });

    it('takes any first update into a state that has none yet, however far on', () => {
      expect(applyUpdate(state, { time_order: 40000, foo: 2 })).toMatchObject({
        foo: 2,
        time_order: 40000,
      });
    });

    it('is never overwritten by a custom key', () => {
      const next = applyUpdate(state, { time_order: 3, time_order_payload: 1 });
      expect(next.time_order).toBe(3);
      expect((next as GameState).time_order_payload).toBe(1);
    });
  });

  describe('game_status', () => {
    it('can be set through an update', () => {
      expect(
        applyUpdate(state, { time_order: 1, game_status: GameStatus.Active }).game_status,
      ).toBe(GameStatus.Active);
    });

    it('ignores TO_DELETE and anything that is not a status', () => {
      const active = applyUpdate(state, { time_order: 1, game_status: GameStatus.Active });
      const update = { time_order: 2, game_status: TO_DELETE } as unknown as { time_order: number };
      expect(applyUpdate(active, update).game_status).toBe(GameStatus.Active);
      expect(applyUpdate(active, { time_order: 2, game_status: 7 as GameStatus }).game_status).toBe(
        GameStatus.Active,
      );
    });
  });

  it("passes PyGaSe's update arithmetic test", () => {
    // tests/gamestate_test.py, TestGameStateUpdate.test_update_arithmetic
    let gameState: GameState = createGameState({ time_order: 0, game_status: GameStatus.Paused });
    let update: Record<string, unknown> & { time_order: number } = { time_order: 0, test: 0 };
    gameState = applyUpdate(gameState, update);
    expect(gameState).not.toHaveProperty('test');
    expect(gameState.time_order).toBe(0);
    update = { ...update, time_order: 1 };
    gameState = applyUpdate(gameState, update);
    expect(gameState.test).toBe(0);
    expect(gameState.time_order).toBe(1);
    update = { ...update, time_order: 2, test: TO_DELETE };
    gameState = applyUpdate(gameState, update);
    expect(gameState).not.toHaveProperty('test');
    expect(gameState.time_order).toBe(2);
    update = { ...update, time_order: 1, test: 2 };
    gameState = applyUpdate(gameState, update);
    expect(gameState).not.toHaveProperty('test');
    expect(gameState.time_order).toBe(2);
    gameState = { ...gameState, test: 0 };
    update = mergeUpdates(update, { time_order: 3, test: TO_DELETE });
    expect(update.time_order).toBe(3);
    expect(update.test).toEqual(TO_DELETE);
    expect(gameState.test).toBe(0);
    gameState = applyUpdate(gameState, update);
    expect(gameState).not.toHaveProperty('test');
    expect(gameState.time_order).toBe(3);
    update = mergeUpdates(update, { time_order: 4, test: 'test' });
    expect(update.test).toBe('test');
    expect(update.time_order).toBe(4);
    gameState = applyUpdate(
      gameState,
      mergeUpdates(
        mergeUpdates(
          { time_order: 3, test: { 1: TO_DELETE } },
          { time_order: 5, test: { 1: 'test1', 2: 'test2' } },
        ),
        update,
      ),
    );
    expect(gameState.time_order).toBe(5);
    expect((gameState.test as Record<number, string>)[1]).toBe('test1');
  });
});
