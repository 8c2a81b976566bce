import { applyUpdate } from '../lib/state/applyUpdate';
import type { Chase } from '../demos/chase/game';
import {
  CATCH_DISTANCE_SQUARED,
  PROTECTION_SECONDS,
  initialChase,
  join,
  onMove,
  timeStep,
} from '../demos/chase/game';

const play = (state: Chase, changes: Record<string, unknown>): Chase =>
  applyUpdate(state, { ...changes, time_order: state.time_order + 1 });

describe("the chase demo's rules", () => {
  it('makes the first player the chaser, and nothing happens alone', () => {
    let state = play(initialChase(), join(initialChase(), '0', 'ann', [10, 10]));
    expect(state.chaser_id).toBe('0');
    state = play(state, join(state, '1', 'bob', [300, 300]));
    expect(state.chaser_id).toBe('0');
    expect(timeStep(state, 0.02)).toEqual({});
  });

  it('hands the chase to whoever the chaser touches, then protects for 5 s', () => {
    let state = play(initialChase(), join(initialChase(), '0', 'ann', [10, 10]));
    state = play(state, join(state, '1', 'bob', [300, 300]));
    state = play(state, onMove('1', [12, 12]));
    expect(8).toBeLessThan(CATCH_DISTANCE_SQUARED);
    state = play(state, timeStep(state, 0.02));
    expect(state).toMatchObject({
      chaser_id: '1',
      protection: true,
      countdown: PROTECTION_SECONDS,
    });
    for (let t = 0; t < 251; t++) state = play(state, timeStep(state, 0.02));
    expect(state.protection).toBe(false);
    state = play(state, timeStep(state, 0.02));
    expect(state.chaser_id).toBe('0');
  });

  it('keeps players on the field', () => {
    expect(onMove('0', [-5, 9999])).toEqual({ players: { '0': { position: [0, 420] } } });
  });
});
