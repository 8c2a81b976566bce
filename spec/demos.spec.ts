import { applyUpdate } from '../lib/state/applyUpdate';
import { CHASER_STRIDE, SIGHT, botStep } from '../demos/chase/botStep';
import { cameraAt } from '../demos/chase/camera';
import type { Chase } from '../demos/chase/game';
import {
  CATCH_DISTANCE_SQUARED,
  MAX_NAME_LENGTH,
  PROTECTION_SECONDS,
  fieldPosition,
  initialChase,
  join,
  leave,
  move,
  playerName,
  timeStep,
} from '../demos/chase/game';

const play = (state: Chase, changes: Record<string, unknown>): Chase =>
  applyUpdate(state, { ...changes, time_order: state.time_order + 1 });

/** Ann chases from (10, 10), Bob is at (300, 300), Cleo at (600, 50). */
function threePlayers(): Chase {
  let state = play(initialChase(), join(initialChase(), '0', 'ann', [10, 10]));
  state = play(state, join(state, '1', 'bob', [300, 300]));
  return play(state, join(state, '2', 'cleo', [600, 50]));
}

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
    state = play(state, move('1', [12, 12]));
    expect(8).toBeLessThan(CATCH_DISTANCE_SQUARED);
    state = play(state, timeStep(state, 0.02));
    expect(state).toMatchObject({
      chaser_id: '1',
      protection: true,
      countdown: PROTECTION_SECONDS,
    });
    // Ann caught bob: she scores.
    expect(state.players['0']?.tags).toBe(1);
    expect(state.players['1']?.tags).toBeUndefined();
    for (let t = 0; t < 251; t++) state = play(state, timeStep(state, 0.02));
    expect(state.protection).toBe(false);
    state = play(state, timeStep(state, 0.02));
    expect(state.chaser_id).toBe('0');
  });

  it('passes the chase, protected, to the longest-playing player when the chaser leaves', () => {
    let state = play(threePlayers(), leave('0'));
    expect(Object.keys(state.players)).toEqual(['1', '2']);
    state = play(state, timeStep(state, 0.02));
    expect(state).toMatchObject({
      chaser_id: '1',
      protection: true,
      countdown: PROTECTION_SECONDS,
    });
  });

  it('keeps the chase when another player leaves, and ends it when everybody has', () => {
    let state = play(threePlayers(), leave('1'));
    expect(timeStep(state, 0.02)).toEqual({});
    state = play(state, leave('0'));
    state = play(state, leave('2'));
    state = play(state, timeStep(state, 0.02));
    expect(state).toMatchObject({ players: {}, chaser_id: null });
    expect(timeStep(state, 0.02)).toEqual({});
  });
});

describe("the chase demo's checks of what clients send", () => {
  it('takes a name trimmed, of 1 to 16 characters, however many bytes each', () => {
    expect(playerName('  ann  ')).toBe('ann');
    expect(playerName('x'.repeat(MAX_NAME_LENGTH))).toBe('x'.repeat(16));
    expect(playerName('\u{1F600}'.repeat(16))).toBe('\u{1F600}'.repeat(16));
    expect(playerName('Zoë-Ångström 2')).toBe('Zoë-Ångström 2');
    // Composed, so that one letter and its accent count as one character.
    expect(playerName('Jose\u0301')).toBe('Jos\u00e9');
  });

  it('refuses a name too long, empty, or with characters that do not print', () => {
    for (const name of [
      'x'.repeat(17),
      'x'.repeat(1900),
      '',
      '   ',
      'a\u0000b',
      'ann\nbob',
      'tab\there',
      '\u202Enimda', // right-to-left override: reads as "admin"
      'zero\u200Bwidth',
      '\u{1F600}'.repeat(17),
    ]) {
      expect([name, playerName(name)]).toEqual([name, undefined]);
    }
  });

  it('refuses a name that is not a string', () => {
    for (const name of [undefined, null, 42, ['ann'], { name: 'ann' }, true]) {
      expect(playerName(name)).toBeUndefined();
    }
  });

  it('takes a position of two finite numbers, clamped to the field', () => {
    expect(fieldPosition([12.5, 300])).toEqual([12.5, 300]);
    expect(fieldPosition([-5, 9999])).toEqual([0, 420]);
    expect(fieldPosition([9999, -1])).toEqual([640, 0]);
    expect(fieldPosition([9999, -1], { width: 6400, height: 4200 })).toEqual([6400, 0]);
  });

  it('refuses anything else as a position', () => {
    for (const position of [
      [Number.NaN, 1],
      [1, Number.POSITIVE_INFINITY],
      [Number.NEGATIVE_INFINITY, 1],
      ['1', '2'],
      [1],
      [1, 2, 3],
      { 0: 1, 1: 2, length: 2 },
      [1n, 2n],
      'here',
      null,
      undefined,
    ]) {
      expect(fieldPosition(position)).toBeUndefined();
    }
  });
});

describe("the chase demo's bots", () => {
  /** Always the middle of [0, 1): a bot that would wander keeps its heading. */
  const straight = (): number => 0.5;
  const big = (players: Record<string, [number, number]>): Chase => {
    let state = initialChase({ width: 6400, height: 4200 });
    for (const [id, position] of Object.entries(players)) {
      state = play(state, join(state, id, `p${id}`, position));
    }
    return state;
  };

  it('runs the chaser at the nearest player, a stride and a quarter', () => {
    const state = big({ '0': [1000, 1000], '1': [1000, 1300], '2': [1200, 1000] });
    const step = botStep(state, '0', 0, 10, straight)!;
    expect(step.position[0]).toBeCloseTo(1000 + 10 * CHASER_STRIDE);
    expect(step.position[1]).toBeCloseTo(1000);
  });

  it('runs from a chaser within sight, and keeps its heading when the chaser is out of it', () => {
    const state = big({ '0': [1000, 1000], '1': [1000 + SIGHT - 1, 1000], '2': [3000, 3000] });
    expect(botStep(state, '1', Math.PI / 2, 10, straight)!.position[0]).toBeCloseTo(
      1000 + SIGHT - 1 + 10,
    );
    const away = botStep(state, '2', Math.PI / 2, 10, straight)!;
    expect(away.position[0]).toBeCloseTo(3000);
    expect(away.position[1]).toBeCloseTo(3010);
    expect(away.heading).toBeCloseTo(Math.PI / 2);
  });

  it('stops at the edge of the field and turns back, rather than slide along it', () => {
    const state = big({ '0': [5000, 3000], '1': [6395, 100] });
    const step = botStep(state, '1', 0, 10, straight)!;
    expect(step.position).toEqual([6400, 100]);
    expect(step.heading).toBeCloseTo(Math.PI);
  });

  it('moves no bot that is not on the board', () => {
    expect(botStep(big({ '0': [10, 10] }), '7', 0, 10, straight)).toBeUndefined();
  });
});

describe("the chase demo's window on the field", () => {
  const screen = { width: 640, height: 420 };

  it('shows a field that fits the screen whole, wherever the player is', () => {
    expect(cameraAt(screen, screen, [600, 400])).toEqual([0, 0]);
  });

  it('centers a larger field on the player, and keeps the window on the field', () => {
    const field = { width: 6400, height: 4200 };
    expect(cameraAt(field, screen, [3000, 2000])).toEqual([2680, 1790]);
    expect(cameraAt(field, screen, [10, 4190])).toEqual([0, 3780]);
    expect(cameraAt(field, screen, undefined)).toEqual([0, 0]);
  });
});
