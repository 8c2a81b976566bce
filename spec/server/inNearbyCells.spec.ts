import { GameStateStore } from '../../lib/game/gameStateStore';
import { inNearbyCells } from '../../lib/server/inNearbyCells';
import { Views } from '../../lib/server/views';
import type { ViewClient } from '../../lib/server/views';
import type { GameState } from '../../lib/state/gameState';
import { createGameState } from '../../lib/state/gameState';
import { TO_DELETE } from '../../lib/state/toDelete';

type Field = GameState<{ units: Record<string, { x: number; y: number }>; round: number }>;

const as = (host: string): ViewClient => ({
  key: `${host}:1`,
  address: { host, port: 1 },
  protocol: 'rxgase',
});

const cells = (reach?: number) =>
  inNearbyCells<Field, 'units'>({
    entities: 'units',
    position: (unit) => [unit.x, unit.y],
    center: (state, client) => {
      const me = state.units[client.address.host];
      return me && [me.x, me.y];
    },
    cellSize: 10,
    ...(reach !== undefined && { reach }),
  });

const field = (units: Field['units']): Field => createGameState({ units, round: 1 }) as Field;

describe('inNearbyCells', () => {
  it('keeps the entities in the cells around the client’s own, reach 1 by default', () => {
    const state = field({
      ann: { x: 15, y: 15 }, // cell (1, 1)
      bob: { x: 29.9, y: 0 }, // cell (2, 0): next to it
      cat: { x: 30, y: 15 }, // cell (3, 1): two away
      dan: { x: -0.1, y: 5 }, // cell (-1, 0): two away
      eve: { x: 0, y: 29 }, // cell (0, 2): diagonal
    });
    expect(cells()(state, as('ann'))).toEqual({
      units: { ann: state.units.ann, bob: state.units.bob, eve: state.units.eve },
    });
    expect(Object.keys(cells(0)(state, as('ann')).units ?? {})).toEqual(['ann']);
    expect(Object.keys(cells(2)(state, as('ann')).units ?? {}).sort()).toEqual([
      'ann',
      'bob',
      'cat',
      'dan',
      'eve',
    ]);
  });

  it('shows a client without a center no entity, and an entity without a position to no one', () => {
    const view = inNearbyCells<Field, 'units'>({
      entities: 'units',
      position: (unit) => (unit.x < 0 ? undefined : [unit.x, unit.y]),
      center: (_state, client) => (client.address.host === 'ann' ? [0, 0] : undefined),
      cellSize: 10,
      others: (state) => ({ round: state.round }),
    });
    const state = field({ a: { x: 1, y: 1 }, b: { x: -1, y: 1 } });
    expect(view(state, as('ann'))).toEqual({ units: { a: state.units.a }, round: 1 });
    expect(view(state, as('bob'))).toEqual({ units: {}, round: 1 });
  });

  it('refuses a cell size or a reach that is not what it must be', () => {
    const bad = [
      { cellSize: 0 },
      { cellSize: Infinity },
      { cellSize: 10, reach: -1 },
      { cellSize: 10, reach: 1.5 },
    ];
    for (const options of bad) {
      expect(() =>
        inNearbyCells<Field, 'units'>({
          entities: 'units',
          position: (unit) => [unit.x, unit.y],
          center: () => [0, 0],
          ...options,
        }),
      ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('deletes on the client an entity that leaves the nearby cells', () => {
    const store = new GameStateStore<Field>(field({ ann: { x: 5, y: 5 }, bob: { x: 15, y: 5 } }));
    const ann = new Views<Field>(cells(), undefined).source(store, as('ann'));
    store.pushUpdate({ time_order: 1, round: 2 });
    store.pushUpdate({ time_order: 2, units: { bob: { x: 25 } } });
    expect(ann.updateSince(1)).toEqual({
      units: { bob: TO_DELETE },
      time_order: 2,
      game_status: 0,
    });
  });
});
