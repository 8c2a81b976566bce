import type { HandlerFailure } from '../../lib/game/gameHandlers';
import { GameStateMachine } from '../../lib/game/gameStateMachine';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { FairQueue } from '../../lib/game/fairQueue';
import { EventQueueFullError, InvalidArgumentError } from '../../lib/protocol/errors';
import type { Logger } from '../../lib/util/logger';
import { createGameState } from '../../lib/state/gameState';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';

const mallory = { host: '10.0.0.6', port: 5000 };
const ann = { host: '10.0.0.1', port: 5000 };
const bob = { host: '10.0.0.2', port: 5000 };
const move = (n: number) => ({ type: 'MOVE', args: [n], kwargs: {} });

/** A game that records which client's MOVE each tick handled, ticking every 20 virtual ms. */
function game(options: { maxEventsPerClientPerTick?: number; maxQueuedEventsPerClient?: number }) {
  const scheduler = new SimulationScheduler();
  const store = new GameStateStore(createGameState({}));
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: () => undefined,
  };
  const machine = new GameStateMachine(store, {
    timeStep: () => ({}),
    scheduler,
    logger,
    ...options,
  });
  const handled: { tick: number; host: string; n: number }[] = [];
  let tick = -1;
  const failures: HandlerFailure[] = [];
  machine.errors$.subscribe((failure) => failures.push(failure));
  machine.registerEventHandler('MOVE', (_payload, { args: [n], clientAddress }) => {
    handled.push({ tick, host: clientAddress?.host ?? 'server', n: n as number });
  });
  machine.runGameLoop(20);
  /** Runs the next tick. */
  const nextTick = (): void => {
    tick++;
    scheduler.advanceTo(tick * 20);
  };
  return { machine, handled, failures, warnings, nextTick, scheduler };
}

describe('the game loop, fair between clients', () => {
  it("handles the others' events in the next tick while one client floods, and the flood a bounded part each tick", () => {
    const { machine, handled, nextTick } = game({ maxEventsPerClientPerTick: 4 });
    nextTick(); // the first tick, at 0
    for (let n = 0; n < 10; n++) machine.pushEvent(move(n), mallory);
    machine.pushEvent(move(100), ann);
    machine.pushEvent(move(200), bob);
    machine.pushEvent(move(300)); // the server's own: not held back
    nextTick();
    expect(handled.filter(({ tick }) => tick === 1)).toEqual([
      { tick: 1, host: '10.0.0.6', n: 0 },
      { tick: 1, host: '10.0.0.6', n: 1 },
      { tick: 1, host: '10.0.0.6', n: 2 },
      { tick: 1, host: '10.0.0.6', n: 3 },
      { tick: 1, host: '10.0.0.1', n: 100 },
      { tick: 1, host: '10.0.0.2', n: 200 },
      { tick: 1, host: 'server', n: 300 },
    ]);
    // Mallory's rest wait, in order, ahead of what she sends later.
    machine.pushEvent(move(10), mallory);
    machine.pushEvent(move(101), ann);
    nextTick();
    nextTick();
    expect(handled.filter(({ tick }) => tick > 1)).toEqual([
      ...[4, 5, 6, 7].map((n) => ({ tick: 2, host: '10.0.0.6', n })),
      { tick: 2, host: '10.0.0.1', n: 101 },
      ...[8, 9, 10].map((n) => ({ tick: 3, host: '10.0.0.6', n })),
    ]);
    expect(machine.eventsDropped).toBe(0);
  });

  it('drops what a client has past maxQueuedEventsPerClient waiting: counted, reported on errors$ and logged once', () => {
    const { machine, handled, failures, warnings, nextTick } = game({
      maxEventsPerClientPerTick: 2,
      maxQueuedEventsPerClient: 5,
    });
    nextTick();
    for (let n = 0; n < 8; n++) machine.pushEvent(move(n), mallory);
    machine.pushEvent(move(100), ann);
    nextTick();
    expect(machine.eventsDropped).toBe(3);
    expect(failures).toEqual([{ source: 'eventQueue', error: expect.any(EventQueueFullError) }]);
    expect((failures[0]!.error as EventQueueFullError).message).toContain(
      '3 events from 10.0.0.6:5000',
    );
    expect(warnings).toHaveLength(1);
    // Another drop within 10 s is counted and reported, but not logged again.
    for (let n = 8; n < 20; n++) machine.pushEvent(move(n), mallory);
    nextTick();
    expect(machine.eventsDropped).toBe(3 + 12 - 2);
    expect(failures).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    // Every event is handled or counted as dropped: none is lost without a count.
    for (let i = 0; i < 10; i++) nextTick();
    const fromMallory = handled.filter(({ host }) => host === '10.0.0.6').length;
    expect(fromMallory + machine.eventsDropped).toBe(20);
    expect(handled.filter(({ host }) => host === '10.0.0.1')).toHaveLength(1);
  });

  it('refuses bounds that are not whole numbers above 0', () => {
    const store = new GameStateStore(createGameState({}));
    for (const options of [
      { maxEventsPerClientPerTick: 0 },
      { maxEventsPerClientPerTick: 2.5 },
      { maxQueuedEventsPerClient: -1 },
      { maxQueuedEventsPerClient: Number.NaN },
    ]) {
      expect(() => new GameStateMachine(store, { timeStep: () => ({}), ...options })).toThrow(
        InvalidArgumentError,
      );
    }
    expect(() => new FairQueue(1, 1)).not.toThrow();
  });
});
