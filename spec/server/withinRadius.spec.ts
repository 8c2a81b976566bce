import { GameStateStore } from '../../lib/game/gameStateStore';
import { Views } from '../../lib/server/views';
import type { ViewClient } from '../../lib/server/views';
import { withinRadius } from '../../lib/server/withinRadius';
import type { GameState } from '../../lib/state/gameState';
import { createGameState } from '../../lib/state/gameState';
import { TO_DELETE } from '../../lib/state/toDelete';

type Field = GameState<{
  units: Record<string, { x: number; y: number; name: string }>;
  round: number;
  secret: string;
}>;

const as = (host: string): ViewClient => ({
  key: `${host}:1`,
  address: { host, port: 1 },
  protocol: 'rxgase',
});

const near = withinRadius<Field, 'units'>({
  entities: 'units',
  position: (unit) => [unit.x, unit.y],
  center: (state, client) => {
    const me = state.units[client.address.host];
    return me && [me.x, me.y];
  },
  radius: 10,
  others: (state) => ({ round: state.round }),
});

const field = (units: Field['units']): Field =>
  createGameState({ units, round: 3, secret: 'HIDDEN' }) as Field;

describe('withinRadius', () => {
  it("keeps the entities within the radius of the client's own, and what others gives", () => {
    const state = field({
      ann: { x: 0, y: 0, name: 'ann' },
      bob: { x: 6, y: 8, name: 'bob' }, // 10 away: on the edge, seen
      cat: { x: 8, y: 8, name: 'cat' }, // 11.3 away
    });
    expect(near(state, as('ann'))).toEqual({
      units: { ann: state.units.ann, bob: state.units.bob },
      round: 3,
    });
    expect(near(state, as('cat'))).toEqual({
      units: { bob: state.units.bob, cat: state.units.cat },
      round: 3,
    });
  });

  it('shows a client without a center no entity', () => {
    const state = field({ ann: { x: 0, y: 0, name: 'ann' } });
    expect(near(state, as('nobody'))).toEqual({ units: {}, round: 3 });
  });

  it('shows nothing else by default, an empty world included', () => {
    const only = withinRadius<Field, 'units'>({
      entities: 'units',
      position: (unit) => [unit.x, unit.y],
      center: () => [0, 0],
      radius: 1,
    });
    expect(only(field({}), as('ann'))).toEqual({ units: {} });
  });

  it('refuses a radius that is not a finite number above 0', () => {
    for (const radius of [0, -1, NaN, Infinity]) {
      expect(() =>
        withinRadius<Field, 'units'>({
          entities: 'units',
          position: (unit) => [unit.x, unit.y],
          center: () => [0, 0],
          radius,
        }),
      ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('passes on a callback that throws', () => {
    const failing = withinRadius<Field, 'units'>({
      entities: 'units',
      position: () => {
        throw new RangeError('nowhere');
      },
      center: () => [0, 0],
      radius: 1,
    });
    expect(() => failing(field({ ann: { x: 0, y: 0, name: 'ann' } }), as('ann'))).toThrow(
      RangeError,
    );
  });

  it('deletes on the client an entity that moves out of sight, and sets one that moves in', () => {
    const store = new GameStateStore<Field>(
      field({ ann: { x: 0, y: 0, name: 'ann' }, bob: { x: 5, y: 0, name: 'bob' } }),
    );
    const ann = new Views<Field>(near, undefined).source(store, as('ann'));
    expect(ann.updateSince(0)).toEqual({
      units: { ann: { x: 0, y: 0, name: 'ann' }, bob: { x: 5, y: 0, name: 'bob' } },
      round: 3,
      time_order: 0,
      game_status: 0,
    });
    store.pushUpdate({ time_order: 1, round: 4 });
    store.pushUpdate({ time_order: 2, units: { bob: { x: 50 } } });
    store.pushUpdate({ time_order: 3, units: { cat: { x: 1, y: 1, name: 'cat' } } });
    // The client reported 1 and may hold 1, 2 or 3: bob goes, cat comes, nothing of bob's x.
    expect(ann.updateSince(1)).toEqual({
      units: { bob: TO_DELETE, cat: { x: 1, y: 1, name: 'cat' } },
      time_order: 3,
      game_status: 0,
    });
  });
});
