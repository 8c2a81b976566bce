import { addressKey } from '../../lib/transport/datagram';
import { StateHistory } from '../../lib/game/stateHistory';
import { interpolate } from '../../lib/operators/interpolate';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { createGameState } from '../../lib/state/gameState';
import type { GameState } from '../../lib/state/gameState';
import { TestWorld } from '../../lib/testing/index';
import { testScheduler } from '../helpers/marbles';

describe('StateHistory', () => {
  it('answers what the state was at a moment, from the states it kept', () => {
    const scheduler = testScheduler();
    let history: StateHistory<string> | undefined;
    scheduler.run(({ hot, flush }) => {
      history = new StateHistory(hot('a 9ms b 9ms c'), { scheduler });
      flush();
    });
    const kept = history as StateHistory<string>;
    // a from 0, b from 10, c from 20.
    expect([kept.at(0), kept.at(5), kept.at(10), kept.at(19), kept.at(25)]).toEqual([
      'a',
      'a',
      'b',
      'b',
      'c',
    ]);
    // Before the oldest kept: the oldest.
    expect(kept.at(-100)).toBe('a');
    kept.close();
    expect(kept.size).toBe(0);
    expect(kept.at(25)).toBeUndefined();
  });

  it('keeps a state while the one after it is younger than keepMs, and no longer', () => {
    const scheduler = testScheduler();
    const sizes: number[] = [];
    let history: StateHistory<string> | undefined;
    scheduler.run(({ hot, flush }) => {
      const states = hot('a 9ms b 9ms c 9ms d 9ms e');
      history = new StateHistory(states, { scheduler, keepMs: 15 });
      states.subscribe(() => sizes.push(history?.size ?? 0));
      flush();
    });
    // At 30 (d), b is 20 old and c 10: a, which answers only before b, goes; b stays, as it
    // answers for 15 to 20. At 40 (e), b goes too.
    expect(sizes).toEqual([1, 2, 3, 3, 3]);
    expect([history?.at(25), history?.at(35), history?.at(45)]).toEqual(['c', 'd', 'e']);
    expect(history?.at(0)).toBe('c');
  });

  it('answers for a client what it saw: a round trip and the interpolation delay ago', () => {
    const scheduler = testScheduler();
    let seen: unknown;
    scheduler.run(({ hot, flush }) => {
      const history = new StateHistory(hot('a 99ms b 99ms c 99ms d'), { scheduler });
      // At 300 (d came), with 150 ms round trips and 100 ms of delay: the state of 50.
      scheduler.schedule(() => (seen = history.seenBy(150, 100)), 300);
      flush();
    });
    expect(seen).toBe('a');
  });

  it('names a keepMs it cannot take', () => {
    const scheduler = testScheduler();
    for (const keepMs of [-1, Number.NaN, Infinity]) {
      expect(() => new StateHistory(scheduler.createColdObservable('-'), { keepMs })).toThrow(
        InvalidArgumentError,
      );
    }
  });
});

/** A target crossing a field at 100 a second, and the shots that hit or missed it. */
type Range = GameState<{ target: number; hits: number; misses: number; naiveHits: number }>;

describe('lag compensation in a game 250 ms from its player', () => {
  it('judges a shot against what the shooter saw, where the state now would miss', async () => {
    /** How close a shot must be to the target to hit it. */
    const TOLERANCE = 8;
    const world: TestWorld<Range> = await TestWorld.start<Range>({
      initialState: createGameState({ target: 0, hits: 0, misses: 0, naiveHits: 0 }) as Range,
      timeStep: (state, dt) => ({ target: state.target + 100 * dt }),
      eventHandlers: {
        SHOOT: ({ at }, { gameState, clientAddress }) => {
          if (typeof at !== 'number' || clientAddress === undefined) return undefined;
          const latency = world.server.connections.get(addressKey(clientAddress))?.currentLatency;
          const seen = history.seenBy(latency ?? 0);
          const hit = seen !== undefined && Math.abs(seen.target - at) <= TOLERANCE;
          const naive = Math.abs(gameState.target - at) <= TOLERANCE;
          return {
            hits: gameState.hits + (hit ? 1 : 0),
            misses: gameState.misses + (hit ? 0 : 1),
            naiveHits: gameState.naiveHits + (naive ? 1 : 0),
          };
        },
      },
      network: { latencyMs: 125, jitterMs: 5 },
      seed: 4,
    });
    const history = new StateHistory(world.gameStateStore.state$, { scheduler: world.scheduler });
    const ann = await world.connect('ann');
    // What ann draws: the target 100 ms behind the states she has, as the browser would.
    let drawn = 0;
    ann.state$
      .pipe(
        interpolate({
          lerp: (a, b, t) => ({ ...b, target: a.target + (b.target - a.target) * t }),
          scheduler: world.scheduler,
        }),
      )
      .subscribe((state) => (drawn = state.target));
    // Her latency settles (smoothed from 0), then she shoots where she sees the target, ten times.
    await world.advance(5000);
    for (let shot = 0; shot < 10; shot++) {
      ann.dispatchEvent('SHOOT', { at: drawn }, { retries: 5 }).subscribe();
      await world.advance(200);
    }
    const { hits, misses, naiveHits } = (await world.until(
      ann,
      (state) => state.hits + state.misses === 10,
    )) as Range;
    expect({ hits, misses }).toEqual({ hits: 10, misses: 0 });
    // Judged by the state as it is when the shot arrives, every one misses: the target moved on.
    expect(naiveHits).toBe(0);
    history.close();
    await world.shutdown();
  });
});
