import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { HandlerContext, HandlerFailure } from '../../lib/game/gameHandlers';
import { pygaseHandler } from '../../lib/connection/eventHandlers';
import { GameStateMachine } from '../../lib/game/gameStateMachine';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import type { GameState } from '../../lib/state/gameState';
import { GameStatus, createGameState } from '../../lib/state/gameState';

const setup = (initial: Record<string, unknown> = {}) => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const store = new GameStateStore(createGameState(initial));
  const at = (ms: number, work: () => void): void => void scheduler.schedule(work, ms);
  return { scheduler, store, at };
};

describe('GameStateMachine', () => {
  it('runs 10 ticks at interval 1 s to time_order 12 and a game time of 10 s, as in PyGaSe', () => {
    const { scheduler, store, at } = setup();
    const machine = new GameStateMachine(store, { timeStep: () => ({}), scheduler });
    machine.runGameLoop(1000);
    at(9500, () => machine.stop());
    scheduler.flush();
    expect(store.getGameState()).toMatchObject({ time_order: 12, game_status: GameStatus.Paused });
    expect(machine.gameTime).toBe(10);
    expect(machine.isRunning).toBe(false);
  });

  it('turns the game Active at once, and steps it with dt in seconds, start to start', () => {
    const { scheduler, store, at } = setup({ foo: 0, bar: 0.5 });
    const dts: number[] = [];
    const machine = new GameStateMachine(store, {
      timeStep: (state: GameState, dt) => {
        dts.push(dt);
        return { foo: (state.foo as number) + (state.bar as number) * dt };
      },
      scheduler,
    });
    machine.runGameLoop(50);
    expect(store.getGameState().game_status).toBe(GameStatus.Active);
    at(199, () => machine.stop());
    scheduler.flush();
    expect(dts).toEqual([0.05, 0.05, 0.05, 0.05]);
    expect(store.getGameState().foo).toBeCloseTo(0.1);
  });

  it('gives handlers the payload, and the args, state, dt and sender beside it, and merges one tick deeply', () => {
    const { scheduler, store, at } = setup({ players: { ann: { x: 0, y: 0 } } });
    const calls: unknown[][] = [];
    const machine = new GameStateMachine(store, {
      timeStep: () => ({ players: { ann: { y: 1 } } }),
      scheduler,
    });
    machine.registerEventHandler('MOVE', (payload, context) => {
      calls.push([
        payload,
        context.args,
        context.dt,
        context.clientAddress,
        context.gameState.time_order,
      ]);
      const [player, x] = context.args as [string, number];
      return { players: { [player]: { x } } };
    });
    machine.runGameLoop(100);
    // A kwarg named as a context key stays the sender's: context and payload are apart.
    const kwargs = { speed: 2, dt: 'mine', gameState: 'mine too' };
    at(50, () =>
      machine.pushEvent({ type: 'MOVE', args: ['ann', 7], kwargs }, { host: 'h', port: 1 }),
    );
    at(150, () => machine.stop());
    scheduler.flush();
    expect(calls).toEqual([[kwargs, ['ann', 7], 0.1, { host: 'h', port: 1 }, 2]]);
    expect(store.getGameState().players).toEqual({ ann: { x: 7, y: 1 } });
  });

  it('calls a pygaseHandler as PyGaSe does: args, then kwargs merged with the context', () => {
    const { scheduler, store, at } = setup({ players: { ann: { x: 0, y: 0 } } });
    const calls: unknown[][] = [];
    const machine = new GameStateMachine(store, { timeStep: () => ({}), scheduler });
    machine.registerEventHandler(
      'MOVE',
      pygaseHandler((player: string, x: number, context: HandlerContext & { speed: number }) => {
        calls.push([
          player,
          x,
          context.speed,
          context.dt,
          context.clientAddress,
          context.gameState.time_order,
        ]);
        return { players: { [player]: { x } } };
      }),
    );
    machine.runGameLoop(100);
    at(50, () =>
      machine.pushEvent(
        { type: 'MOVE', args: ['ann', 7], kwargs: { speed: 2 } },
        { host: 'h', port: 1 },
      ),
    );
    at(150, () => machine.stop());
    scheduler.flush();
    expect(calls).toEqual([['ann', 7, 2, 0.1, { host: 'h', port: 1 }, 2]]);
    expect(store.getGameState().players).toEqual({ ann: { x: 7, y: 0 } });
  });

  it('refuses, on errors$, an event whose kwarg a pygaseHandler would lose to the context', () => {
    const { scheduler, store, at } = setup({ n: 0 });
    const failures: HandlerFailure[] = [];
    const machine = new GameStateMachine(store, { timeStep: () => ({}), scheduler });
    machine.errors$.subscribe((failure) => failures.push(failure));
    let calls = 0;
    machine.registerEventHandler(
      'SET',
      pygaseHandler(() => {
        calls++;
        return { n: 1 };
      }),
    );
    machine.runGameLoop(100);
    at(50, () => machine.pushEvent({ type: 'SET', args: [], kwargs: { dt: 5 } }));
    at(150, () => machine.stop());
    scheduler.flush();
    expect(calls).toBe(0);
    expect(failures).toEqual([{ source: 'SET', error: expect.any(InvalidArgumentError) }]);
    expect((failures[0]!.error as Error).message).toMatch(/named dt/);
    expect(store.getGameState().n).toBe(0);
  });

  it('reports a handler or time step that throws, and keeps the loop running', () => {
    const { scheduler, store, at } = setup({ n: 0 });
    const failures: HandlerFailure[] = [];
    const logged: unknown[] = [];
    let steps = 0;
    const machine = new GameStateMachine(store, {
      timeStep: (state: GameState) => {
        steps++;
        if (steps === 2) throw new Error('step broke');
        return { n: (state.n as number) + 1 };
      },
      scheduler,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: (m) => logged.push(m),
      },
    });
    machine.errors$.subscribe((failure) => failures.push(failure));
    machine.registerEventHandler('BAD', () => {
      throw new Error('handler broke');
    });
    machine.registerEventHandler('DATE', () => ({ when: new Date() }));
    machine.runGameLoop(10);
    at(5, () => machine.pushEvent({ type: 'BAD', args: [], kwargs: {} }));
    at(6, () => machine.pushEvent({ type: 'DATE', args: [], kwargs: {} }));
    at(45, () => machine.stop());
    scheduler.flush();
    // The tick at 10 ms: its step throws, then the handlers of the events that came at 5 and 6.
    expect(failures.map((f) => [f.source, (f.error as Error).message])).toEqual([
      ['timeStep', 'step broke'],
      ['BAD', 'handler broke'],
      ['DATE', expect.stringMatching(/plain data/)],
    ]);
    expect(logged).toHaveLength(3);
    expect(steps).toBe(5);
    expect(store.getGameState().n).toBe(4);
  });

  it('pauses on stop and resumes on the next run, counting game time only while running', () => {
    const { scheduler, store, at } = setup();
    const machine = new GameStateMachine(store, { timeStep: () => ({}), scheduler });
    machine.runGameLoop(100);
    at(250, () => machine.stop());
    at(1000, () => machine.runGameLoop(100));
    at(1150, () => machine.stop());
    const statuses: number[] = [];
    store.state$.subscribe((s) => statuses.push(s.game_status));
    scheduler.flush();
    expect(machine.gameTime).toBeCloseTo(0.5);
    expect(statuses.filter((s, i) => s !== statuses[i - 1])).toEqual([1, 0, 1, 0]);
  });

  it('stops when the game is paused by an update', () => {
    const { scheduler, store } = setup({ step: 0 });
    const machine = new GameStateMachine(store, {
      timeStep: (state: GameState) => {
        const step = (state.step as number) + 1;
        return step >= 3 ? { step, game_status: GameStatus.Paused } : { step };
      },
      scheduler,
    });
    machine.runGameLoop(10);
    scheduler.flush();
    expect(store.getGameState()).toMatchObject({ step: 3, game_status: GameStatus.Paused });
    expect(machine.isRunning).toBe(false);
    expect(scheduler.now()).toBe(30);
  });

  it('refuses a handler that is not a function, and a loop with no time step', () => {
    const { store } = setup();
    const machine = new GameStateMachine(store);
    expect(() => machine.registerEventHandler('X', 'nope' as never)).toThrow(InvalidArgumentError);
    expect(() => machine.runGameLoop(10)).toThrow(/no time step/);
    expect(() => new GameStateMachine(store, { timeStep: () => ({}) }).runGameLoop(0)).toThrow(
      InvalidArgumentError,
    );
  });

  it('takes its time step from a subclass', () => {
    const { scheduler, store, at } = setup({ ticks: 0 });
    class Counter extends GameStateMachine {
      override timeStep(state: GameState): Record<string, unknown> {
        return { ticks: (state.ticks as number) + 1 };
      }
    }
    const machine = new Counter(store, { scheduler });
    machine.runGameLoop(10);
    at(25, () => machine.stop());
    scheduler.flush();
    expect(store.getGameState().ticks).toBe(3);
  });
});
