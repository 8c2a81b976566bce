import { EMPTY, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { Backend } from '../lib/backend/backend';
import { GameStateMachine } from '../lib/game/gameStateMachine';
import type { GameEventHandler, TimeStep } from '../lib/game/gameHandlers';
import { GameStateStore } from '../lib/game/gameStateStore';
import {
  ConnectionClosedError,
  InvalidArgumentError,
  InvalidStateError,
  PackageOverflowError,
  UnencodableValueError,
} from '../lib/protocol/errors';
import type { RxgaseError } from '../lib/protocol/errors';
import type { GameEvent } from '../lib/protocol/packages';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../lib/protocol/rxgaseConstants';
import { applyUpdate } from '../lib/state/applyUpdate';
import type { GameStateUpdate } from '../lib/state/gameState';
import { createGameState } from '../lib/state/gameState';
import type { ClientConnection } from '../lib/server/clientConnection';
import { Server } from '../lib/server/server';
import { Client } from '../lib/client/client';
import { Connection } from '../lib/connection/connection';
import { plainPackages } from '../lib/connection/packageCodec';
import { RateLimiter } from '../lib/server/rateLimiter';
import type { RateLimit } from '../lib/server/rateLimiter';
import type { Arena } from './helpers/world';
import { world } from './helpers/world';

/*
 * Bad arguments at every public entry point: each fails at the call with a named error that says
 * what is wrong and where, nothing of it is queued, sent or stored, and what was running goes on.
 */

/** What `call` threw (it must throw). */
function thrown(call: () => unknown): RxgaseError {
  try {
    call();
  } catch (error) {
    return error as RxgaseError;
  }
  throw new Error('it did not throw');
}

/** A server with Ann playing on it, in virtual time. */
async function playing() {
  const w = world();
  await w.server.run(7000, 'server', w.machine);
  w.machine.runGameLoop(50);
  const ann = w.client('ann');
  await w.within(ann.connect(7000, 'server'));
  await w.within(lastValueFrom(ann.dispatchEvent('JOIN', ['ann']), { defaultValue: 0 }));
  const seen: GameEvent[] = [];
  w.server.events$.subscribe(({ event }) => seen.push(event));
  const heard: GameEvent[] = [];
  ann.events$.subscribe((event) => heard.push(event));
  const serverSide = (): ClientConnection => [...w.server.connections.values()][0]!;
  /** Ann moves, and the move arrives: the game goes on. */
  const stillPlays = async (x: number): Promise<void> => {
    await w.within(lastValueFrom(ann.dispatchEvent('MOVE', ['ann', x]), { defaultValue: 0 }));
    await w.within(ann.waitUntil((state) => state.players.ann?.x === x));
    const outcomes = await w.within(lastValueFrom(w.server.dispatchEvent('PING', [x])));
    expect(outcomes).toMatchObject({ acked: true });
    await w.within(ann.tryTo(() => heard.find((event) => event.args[0] === x) ?? fail()));
  };
  const done = async (): Promise<void> => {
    await ann.disconnect();
    w.machine.stop();
    await w.server.shutdown();
  };
  return { ...w, ann, seen, heard, serverSide, stillPlays, done };
}

function fail(): never {
  throw new Error('not yet');
}

/** `levels` arrays, each inside the next. */
function deep(levels: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

const cyclic: Record<string, unknown> = { name: 'loop' };
cyclic.self = cyclic;

/** Payloads msgpack cannot carry: args, kwargs, and where the bad value is. */
const unencodable: [string, unknown[], Record<string, unknown>, string][] = [
  ['a function', [() => 1], {}, 'args[0]'],
  ['a symbol', [], { tag: Symbol('tag') }, 'kwargs.tag'],
  ['a cyclic object', [{ ok: 1 }, cyclic], {}, 'args[1].self'],
  ['undefined inside an array', [[1, undefined, 3]], {}, 'args[0][1]'],
  ['a BigInt beyond 64 bits', [], { score: { total: 2n ** 64n } }, 'kwargs.score.total'],
  ['a BigInt below -2^63', [-(2n ** 63n) - 1n], {}, 'args[0]'],
  ['a Date', [], { when: new Date(0) }, 'kwargs.when'],
  ['a Map', [new Map([[1, 2]])], {}, 'args[0]'],
  ['a string with a lone surrogate', ['ann\ud800'], {}, 'args[0]'],
  // The event map, its args and 63 arrays in them: the last is the 65th level, one too many.
  ['nesting past 64 levels', [deep(63)], {}, `args${'[0]'.repeat(63)}`],
];

describe('bad input at the API', () => {
  describe('event payloads msgpack cannot carry', () => {
    it.each(unencodable)(
      'refuses %s at every dispatchEvent, naming the path, and sends nothing',
      async (_what, args, kwargs, path) => {
        const game = await playing();
        const { ann, server, serverSide, seen, heard, pass } = game;
        const event: GameEvent = { type: 'BAD', args, kwargs };
        const calls: [string, () => unknown][] = [
          ['Client', () => ann.dispatchEvent('BAD', args, kwargs)],
          ['Server', () => server.dispatchEvent('BAD', args, kwargs)],
          [
            'Server to one',
            () =>
              server.dispatchEvent('BAD', args, kwargs, {
                targetClient: { host: 'ann', port: 49152 },
              }),
          ],
          ["the client's Connection", () => ann.connection!.dispatchEvent(event)],
          ["the server's Connection", () => serverSide().dispatchEvent(event)],
        ];
        const before = [ann.connection!.stats, serverSide().stats];
        for (const [, call] of calls) {
          const error = thrown(call);
          expect(error).toBeInstanceOf(UnencodableValueError);
          expect(error).toMatchObject({ code: 'ERR_UNENCODABLE_VALUE', path });
          expect(error.message).toContain('BAD');
          expect(error.message).toContain(` at ${path}`);
        }
        // Nothing queued, nothing counted as dispatched, nothing arrived.
        for (const [i, connection] of [ann.connection!, serverSide()].entries()) {
          expect(connection.stats.pendingEvents).toBe(0);
          expect(connection.stats.eventsOut).toBe(before[i]!.eventsOut);
        }
        await pass(500);
        expect(seen.filter((e) => e.type === 'BAD')).toEqual([]);
        expect(heard.filter((e) => e.type === 'BAD')).toEqual([]);
        await game.stillPlays(7);
        await game.done();
      },
    );

    it('refuses events that are not events, and targets that are not clients', async () => {
      const game = await playing();
      const { ann, server } = game;
      for (const [call, message] of [
        [() => ann.dispatchEvent(42 as unknown as string), /event type must be a string/],
        [() => ann.dispatchEvent('X', 'not args' as never), /payload must be a plain object/],
        [
          () => ann.dispatchEvent('X', [], [] as never),
          /kwargs must be a plain object, got an array/,
        ],
        [() => server.dispatchEvent('X', [], null as never), /kwargs must be a plain object/],
        [() => ann.dispatchEvent('X', {} as never, { retries: 1 }, {}), /got more/],
        // A payload where the options go is not sent as an empty event.
        [() => ann.dispatchEvent('X', undefined, { x: 1 } as never), /options have no x/],
        [() => server.dispatchEvent('X', {}, { target: 'all' } as never), /options have no target/],
        // Bytes or a Map would go out as something the receiver cannot read as kwargs, and it
        // would drop the whole package: refused here.
        [() => ann.dispatchEvent('X', Uint8Array.of(1) as never), /plain object, got a Uint8Array/],
        [() => ann.dispatchEvent('X', [], new Map() as never), /plain object, got a Map/],
      ] as const) {
        expect(thrown(call)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message });
      }
      // What msgpack cannot carry is refused by the encoder, with where it sits.
      expect(thrown(() => ann.dispatchEvent('X', { f: () => 0 }))).toMatchObject({
        code: 'ERR_UNENCODABLE_VALUE',
      });
      // A target that is not an address.
      for (const targetClient of ['ann', 49152, null]) {
        const error = thrown(() =>
          server.dispatchEvent(
            'X',
            [],
            {},
            { targetClient: targetClient as unknown as { host: string; port: number } },
          ),
        );
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect(error.message).toMatch(/targetClient must be/);
      }
      // One that is not a client's, or no longer: not acked, with the reason.
      const bob = { host: 'bob', port: 49152 };
      const outcomes = await lastValueFrom(
        server.dispatchEvent('X', [], {}, { targetClient: bob }).pipe(toArray()),
      );
      expect(outcomes).toEqual([
        { client: bob, acked: false, error: expect.any(ConnectionClosedError) },
      ]);
      const [outcome] = outcomes;
      expect(outcome?.acked === false && String(outcome.error)).toMatch(
        /no client is connected from bob:49152/,
      );
      // Retries that are not a whole number.
      for (const retries of [-1, 1.5, NaN, '3']) {
        const options = { retries: retries as number };
        for (const call of [
          () => ann.dispatchEvent('X', [], {}, options),
          () => server.dispatchEvent('X', [], {}, options),
          () => ann.connection!.dispatchEvent({ type: 'X', args: [], kwargs: {} }, options),
          () => game.serverSide().dispatchEvent({ type: 'X', args: [], kwargs: {} }, options),
        ]) {
          expect(thrown(call)).toMatchObject({
            code: 'ERR_INVALID_ARGUMENT',
            message: expect.stringMatching(/retries must be a whole number/),
          });
        }
      }
      expect(ann.connection!.stats.pendingEvents).toBe(0);
      expect(ann.connection!.stats.eventsOut).toBe(1); // the JOIN
      expect(game.serverSide().stats.pendingEvents).toBe(0);
      // Arguments left out as undefined, as a wrapper passing all four does, are no error; and
      // PyGaSe's form with its args left out still has its kwargs and options.
      const send = (...given: unknown[]) =>
        (ann.dispatchEvent as (type: string, ...rest: unknown[]) => unknown)('X', ...given);
      expect(() => send({ x: 1 }, undefined, undefined)).not.toThrow();
      expect(() => send(undefined, { x: 1 }, { retries: 1 })).not.toThrow();
      expect(() => send(undefined, { x: 1 }, { retries: 1, nope: 1 })).toThrow(
        /options have no nope/,
      );
      expect(ann.connection!.stats.eventsOut).toBe(3); // and the two sent now
      await game.stillPlays(3);
      await game.done();
    });
  });

  describe('events over the package size', () => {
    // Between rxgase peers a package may be up to maxMessageSize, in fragments.
    it.each([
      ['far over', 2 * DEFAULT_MAX_MESSAGE_SIZE],
      [
        'that msgpack fits in maxMessageSize, but not beside the headers',
        DEFAULT_MAX_MESSAGE_SIZE - 71,
      ],
    ])('refuses an event %s at every dispatchEvent, and sends nothing', async (_what, length) => {
      const game = await playing();
      const { ann, server, serverSide, seen, pass } = game;
      const args = ['x'.repeat(length)];
      for (const call of [
        () => ann.dispatchEvent('BIG', args),
        () => server.dispatchEvent('BIG', args),
        () => ann.connection!.dispatchEvent({ type: 'BIG', args, kwargs: {} }),
        () => serverSide().dispatchEvent({ type: 'BIG', args, kwargs: {} }),
      ]) {
        const error = thrown(call);
        expect(error).toBeInstanceOf(PackageOverflowError);
        expect(error).toMatchObject({ code: 'ERR_PACKAGE_OVERFLOW' });
        expect(error.message).toContain('BIG');
      }
      expect(ann.connection!.stats.pendingEvents).toBe(0);
      expect(serverSide().stats.pendingEvents).toBe(0);
      await pass(500);
      expect(seen.filter((e) => e.type === 'BIG')).toEqual([]);
      await game.stillPlays(4);
      // An event that fits goes through.
      const fits = lastValueFrom(ann.dispatchEvent('BIG', ['x'.repeat(1900)]), {
        defaultValue: 0,
      });
      await game.within(fits);
      expect(seen.filter((e) => e.type === 'BIG')).toHaveLength(1);
      await game.done();
    });
  });

  describe('ports and hostnames', () => {
    const badPorts: [string, unknown][] = [
      ['negative', -1],
      ['over 65535', 65536],
      ['not an integer', 7000.5],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['a string', '7000'],
      ['null', null],
    ];
    const badHostnames: [string, unknown, RegExp][] = [
      ['empty', '', /is empty/],
      ['with a space', 'my server', /holds a space/],
      ['with a leading space', ' server', /white space around it: give "server"/],
      ['with a label over 63 characters', `${'a'.repeat(64)}.example.com`, /label of 64/],
      ['over 253 characters', `${'abcdefg.'.repeat(32)}com`, /259 characters/],
      ['with an empty label', 'example..com', /empty label/],
      ['starting with a hyphen', '-server', /hyphen/],
      [
        'with a scheme',
        'udp://server',
        /is a URL, not a hostname: give the hostname in it, "server"/,
      ],
      [
        'with a port',
        'server:7000',
        /holds a port: give the hostname alone, "server", and 7000 as the port argument/,
      ],
      ['with a path', 'server/game', /holds a path, "\/game"/],
      ['non-ASCII', 'bücher.example', /punycode/],
      ['an IPv4 address out of range', '256.1.1.1', /IPv4/],
      ['garbage IPv6', '1::2::3', /IPv6/],
      ['an IPv6 address in brackets', '[::1]', /in brackets, which belong in URLs only/],
      ['a number', 127001, /must be a string/],
      ['undefined-like null', null, /must be a string/],
    ];

    it.each(badPorts)(
      'refuses a port that is %s at Client.connect and Server.run',
      async (_what, port) => {
        const { server, machine, client, within } = world();
        const ann = client('ann');
        for (const call of [
          () => ann.connect(port as number, 'server'),
          () => server.run(port as number, 'server', machine),
        ]) {
          const error = await call().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(InvalidArgumentError);
          expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
          expect((error as Error).message).toMatch(/port must be an integer in [01]\.\.65535/);
        }
        // Nothing bound, nothing half open: both work as if it never happened.
        expect(server.address).toBeUndefined();
        expect(ann.connection).toBeUndefined();
        await server.run(7000, 'server', machine);
        machine.runGameLoop(50);
        await within(ann.connect(7000, 'server'));
        // And on a running server and a connected client, the same refusal leaves them running.
        await expect(server.run(port as number, 'server')).rejects.toThrow(InvalidArgumentError);
        await expect(ann.connect(port as number, 'server')).rejects.toThrow(InvalidArgumentError);
        expect(server.address).toEqual({ host: 'server', port: 7000 });
        await within(lastValueFrom(ann.dispatchEvent('JOIN', ['ann']), { defaultValue: 0 }));
        await within(ann.waitUntil((state: Arena) => state.players.ann !== undefined));
        await ann.disconnect();
        machine.stop();
        await server.shutdown();
      },
    );

    it('refuses a bad port or hostname at Backend.run, and starts nothing', async () => {
      const backend = new Backend(createGameState({ foo: 0 }), () => ({}));
      await expect(backend.run('localhost', -1)).rejects.toThrow(InvalidArgumentError);
      await expect(backend.run('local host', 0)).rejects.toThrow(/holds a space/);
      expect(backend.server.address).toBeUndefined();
      expect(backend.gameStateMachine.isRunning).toBe(false);
    });

    it('refuses port 0 for a client (a server may let the system choose)', async () => {
      const { client } = world();
      await expect(client('ann').connect(0, 'server')).rejects.toThrow(/1\.\.65535, got 0/);
    });

    it.each(badHostnames)(
      'refuses a hostname %s at Client.connect and Server.run, saying why',
      async (_what, hostname, why) => {
        const { server, machine, client, within } = world();
        const ann = client('ann');
        for (const call of [
          () => ann.connect(7000, hostname as string),
          () => server.run(7000, hostname as string, machine),
        ]) {
          const error = await call().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(InvalidArgumentError);
          expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
          expect((error as Error).message).toMatch(/hostname/);
          expect((error as Error).message).toMatch(why);
        }
        expect(server.address).toBeUndefined();
        await server.run(7000, 'server', machine);
        await within(ann.connect(7000, 'server'));
        expect(ann.state.round).toBe(1);
        await ann.disconnect();
        await server.shutdown();
      },
    );
  });

  describe('waits that are not waits', () => {
    it.each([
      ['Infinity', Infinity],
      ['NaN', NaN],
      ['a negative number', -1],
      ['past the longest timer', 2 ** 31],
      ['a string', '100'],
    ])('refuses %s as a timeout at connect, waitUntil and tryTo, saying why', async (_what, ms) => {
      const { server, machine, client, within } = world();
      await server.run(7000, 'server', machine);
      const ann = client('ann');
      const timeoutMs = ms as number;
      for (const call of [
        () => ann.connect(7000, 'server', timeoutMs),
        () => ann.waitUntil(() => true, timeoutMs),
        () => ann.tryTo(() => 1, timeoutMs),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as Error).message).toMatch(
          /^timeoutMs must be a number from 0 to 2147483647, got /,
        );
      }
      // Nothing was started: the client connects as it would have.
      expect(ann.currentStatus).toBe('disconnected');
      await within(ann.connect(7000, 'server'));
      await ann.disconnect();
      await server.shutdown();
    });

    it('refuses a predicate that is not a function, at once, not at the timeout', async () => {
      const { client } = world();
      const ann = client('ann');
      const notAFunction = 'x' as unknown as () => boolean;
      await expect(ann.waitUntil(notAFunction)).rejects.toThrow(
        new InvalidArgumentError('predicate must be a function, got a string'),
      );
      await expect(ann.tryTo(notAFunction)).rejects.toThrow(
        new InvalidArgumentError('fn must be a function, got a string'),
      );
    });

    it('refuses a reservation that is none at join, and asks no matchmaker while connected', async () => {
      const { server, machine, client, within } = world();
      await server.run(7000, 'server', machine);
      const ann = client('ann');
      for (const bad of [{}, null, { roomId: 'r', address: { host: 'server' }, ticket: 'x' }]) {
        await expect(ann.join(bad as never)).rejects.toThrow(/a reservation is \{ roomId/);
      }
      await within(ann.connect(7000, 'server'));
      // Connected: no seat is asked for (the client has no matchmaker, which would say so else).
      await expect(ann.joinOrCreate('arena')).rejects.toThrow(/already connected/);
      await expect(ann.create('arena')).rejects.toThrow(/already connected/);
      await ann.disconnect();
      await server.shutdown();
    });
  });

  describe('handlers that are not functions', () => {
    const notFunctions: [string, unknown][] = [
      ['a number', 42],
      ['a string', 'handleMove'],
      ['null', null],
      ['undefined', undefined],
      ['an object', { handle: () => 1 }],
    ];

    it.each(notFunctions)(
      'refuses %s at every registerEventHandler, and keeps the handler before it',
      async (_what, handler) => {
        const game = await playing();
        const { ann, server, machine } = game;
        let serverMoves = 0;
        server.registerEventHandler('MOVE', () => serverMoves++);
        let pings = 0;
        ann.registerEventHandler('PING', () => pings++);
        for (const call of [
          () => ann.registerEventHandler('PING', handler as () => void),
          () => server.registerEventHandler('MOVE', handler as () => void),
          () => machine.registerEventHandler('MOVE', handler as GameEventHandler),
        ]) {
          const error = thrown(call);
          expect(error).toBeInstanceOf(InvalidArgumentError);
          expect(error.message).toMatch(/handler for (PING|MOVE) events must be a function/);
        }
        // The handlers registered before still run: the machine's MOVE moves Ann.
        await game.stillPlays(9);
        expect(serverMoves).toBe(1);
        expect(pings).toBe(1);
        await game.done();
      },
    );

    it.each(notFunctions)('refuses %s as a handler or time step of a Backend', (_what, bad) => {
      const state = createGameState({ foo: 0 });
      const step: TimeStep = () => ({});
      const store = new GameStateStore(state);
      for (const call of [
        () => new Backend(state, step, { SET: bad as GameEventHandler }),
        ...(bad === undefined ? [] : [() => new Backend(state, bad as TimeStep)]),
        ...(bad === undefined
          ? []
          : [() => new GameStateMachine(store, { timeStep: bad as never })]),
      ]) {
        expect(thrown(call)).toBeInstanceOf(InvalidArgumentError);
      }
    });

    it('refuses a Backend without a time step, or with handlers that are not an object', () => {
      const state = createGameState({ foo: 0 });
      expect(() => new Backend(state, undefined as unknown as TimeStep)).toThrow(
        /time step must be a function, got undefined/,
      );
      expect(
        () => new Backend(state, () => ({}), null as unknown as Record<string, GameEventHandler>),
      ).toThrow(InvalidArgumentError);
    });

    it('refuses an event type that is not a string', async () => {
      const game = await playing();
      expect(() => game.ann.registerEventHandler(7 as unknown as string, () => 1)).toThrow(
        /event type must be a string, got number/,
      );
      expect(() => game.machine.registerEventHandler(7 as unknown as string, () => ({}))).toThrow(
        InvalidArgumentError,
      );
      await game.done();
    });
  });

  describe('state updates that are not plain data', () => {
    class Player {
      x = 1;
    }
    const notPlain: [string, Record<string, unknown>, string][] = [
      ['a function', { players: { ann: { onHit: () => 1 } } }, 'players.ann.onHit'],
      ['a symbol', { tag: Symbol('t') }, 'tag'],
      ['a Date', { players: { ann: { joined: new Date(0) } } }, 'players.ann.joined'],
      ['a Map', { scores: new Map() }, 'scores'],
      ['a Set', { seen: new Set(['ann']) }, 'seen'],
      ['a class instance', { players: { ann: new Player() } }, 'players.ann'],
      ['a typed array that is not bytes', { grid: new Float32Array(4) }, 'grid'],
      ['a cycle', { loop: cyclic }, 'loop.self'],
      [
        'undefined inside an array',
        {
          path: [
            [0, 1],
            [2, undefined],
          ],
        },
        'path[1][1]',
      ],
      ['a hole in an array', { path: [0, , 2] }, 'path[1]'], // eslint-disable-line no-sparse-arrays
      ['a BigInt beyond 64 bits', { big: 2n ** 64n }, 'big'],
      ['a lone surrogate', { name: 'ann\ud800' }, 'name'],
      ['a key of odd characters', { 'odd key': { f: () => 1 } }, '["odd key"].f'],
    ];

    it.each(notPlain)(
      'refuses %s at GameStateStore.pushUpdate, naming the path; the state stays',
      async (_what, changes, path) => {
        const game = await playing();
        const { store, ann, within } = game;
        const state = store.getGameState();
        const cache = store.getUpdateCache().length;
        const error = thrown(() =>
          store.pushUpdate({ ...changes, time_order: state.time_order + 1 }),
        );
        expect(error).toBeInstanceOf(InvalidStateError);
        expect(error).toMatchObject({ code: 'ERR_INVALID_STATE', path });
        expect(error.message).toContain(` at ${path}`);
        expect(store.getGameState()).toBe(state);
        expect(store.getUpdateCache()).toHaveLength(cache);
        // A good update goes in, and out to the client.
        store.pushUpdate({ time_order: state.time_order + 1, round: 2 });
        await within(ann.waitUntil((s) => s.round === 2));
        await game.stillPlays(5);
        await game.done();
      },
    );

    it.each(notPlain)(
      'reports %s returned by a time step or a handler on errors$, and the game goes on',
      async (_what, changes, path) => {
        const game = await playing();
        const { machine, ann, within } = game;
        const failures = firstValueFrom(machine.errors$);
        machine.registerEventHandler('BREAK', () => changes);
        await within(lastValueFrom(ann.dispatchEvent('BREAK'), { defaultValue: 0 }));
        const failure = await within(failures);
        expect(failure.source).toBe('BREAK');
        expect(failure.error).toBeInstanceOf(InvalidStateError);
        expect(failure.error).toMatchObject({ path });
        await game.stillPlays(6);
        await game.done();
      },
    );

    it('reports a time step that returns what is not plain data, tick after tick, and ticks on', async () => {
      const { scheduler, pass } = world();
      const store = new GameStateStore(createGameState({ t: 0 }));
      let ticks = 0;
      const machine = new GameStateMachine(store, {
        scheduler,
        // A function where a number goes: the type says no, and so must the loop at run time.
        timeStep: (state) =>
          ++ticks % 2 === 0 ? { t: state.t + 1 } : { t: (() => 0) as unknown as number },
      });
      const failures: unknown[] = [];
      machine.errors$.subscribe(({ source, error }) => failures.push([source, error]));
      machine.runGameLoop(10);
      await pass(95);
      machine.stop();
      expect(ticks).toBe(10);
      expect(failures).toHaveLength(5);
      expect(failures[0]).toEqual(['timeStep', expect.objectContaining({ path: 't' })]);
      expect(store.getGameState().t).toBe(5);
    });

    it('refuses updates that are not objects at all', () => {
      const store = new GameStateStore(createGameState({ t: 0 }));
      for (const update of [null, 5, 'update', [1], new Date(0)]) {
        expect(() => store.pushUpdate(update as unknown as GameStateUpdate)).toThrow(
          /an update must be a plain object with a time_order/,
        );
      }
      expect(store.getUpdateCache()).toHaveLength(1);
    });

    it.each(notPlain)(
      'refuses %s in an initial state, and in applyUpdate',
      (_what, changes, path) => {
        expect(thrown(() => new GameStateStore(createGameState(changes)))).toMatchObject({
          code: 'ERR_INVALID_STATE',
          path,
        });
        expect(thrown(() => new Backend(createGameState(changes), () => ({})))).toBeInstanceOf(
          InvalidStateError,
        );
        const state = createGameState({});
        expect(thrown(() => applyUpdate(state, { ...changes, time_order: 1 }))).toBeInstanceOf(
          InvalidStateError,
        );
      },
    );
  });
});

describe('server options and clients that are none', () => {
  it('refuses a logger or a bind that is none at the constructor, before any socket', () => {
    const store = new GameStateStore(createGameState({}));
    expect(() => new Server(store, { logger: 'x' as never })).toThrow(
      new InvalidArgumentError(
        'logger must have the functions debug, info, warn and error; it lacks debug, info, warn, error',
      ),
    );
    expect(() => new Server(store, { logger: { info: () => undefined } as never })).toThrow(
      /it lacks debug, warn, error$/,
    );
    expect(() => new Server(store, { bind: 5 as never })).toThrow(
      new InvalidArgumentError('bind must be a function, got a number'),
    );
  });

  it('refuses to kick what is no address, naming what it got', () => {
    const server = new Server(new GameStateStore(createGameState({})));
    for (const bad of [undefined, null, '127.0.0.1:5000', { host: 'h' }]) {
      expect(() => server.kick(bad as never)).toThrow(InvalidArgumentError);
    }
    expect(() => server.kick('127.0.0.1:5000' as never)).toThrow(/got "127.0.0.1:5000"$/);
    expect(server.kick({ host: '127.0.0.1', port: 5000 })).toBe(false);
  });
});

describe('limits that are not limits, at the constructors', () => {
  const notPositive: [string, unknown][] = [
    ['NaN', NaN],
    ['0', 0],
    ['a negative number', -5],
    ['Infinity', Infinity],
    ['a string', '10'],
    ['null', null],
  ];
  const store = () => new GameStateStore(createGameState({}));
  const connection = (maxPendingEvents: unknown) =>
    new Connection({
      remote: { host: 'peer', port: 1 },
      incoming$: EMPTY,
      send: () => undefined,
      codec: plainPackages,
      maxPendingEvents: maxPendingEvents as number,
    });

  it.each([...notPositive, ['a fraction', 2.5]])(
    'refuses a maxPendingEvents of %s at Server, Client and Connection',
    (_what, value) => {
      const options = { maxPendingEvents: value as number };
      for (const make of [
        () => new Server(store(), options),
        () => new Client(options),
        () => connection(value),
      ]) {
        expect(thrown(make)).toBeInstanceOf(InvalidArgumentError);
        expect(thrown(make).message).toMatch(/^maxPendingEvents must be a whole number/);
      }
    },
  );

  it.each([...notPositive, ['a fraction', 4096.5], ['under 2048', 2047]])(
    'refuses a maxMessageSize of %s at Server, Client and Connection',
    (_what, value) => {
      const options = { maxMessageSize: value as number };
      for (const make of [
        () => new Server(store(), options),
        () => new Client(options),
        () =>
          new Connection({
            remote: { host: 'peer', port: 1 },
            incoming$: EMPTY,
            send: () => undefined,
            codec: plainPackages,
            ...options,
          }),
      ]) {
        expect(thrown(make)).toBeInstanceOf(InvalidArgumentError);
        expect(thrown(make).message).toMatch(/^maxMessageSize must be/);
      }
    },
  );

  it.each([...notPositive, ['a fraction', 2.5]])(
    'refuses a maxReassemblyBytes of %s at the Server',
    (_what, value) => {
      const make = () => new Server(store(), { maxReassemblyBytes: value as number });
      expect(thrown(make)).toBeInstanceOf(InvalidArgumentError);
      expect(thrown(make).message).toMatch(/^maxReassemblyBytes must be a whole number/);
    },
  );

  it.each(
    (['datagramsPerSecond', 'burst', 'maxAddresses'] as const).flatMap((field) =>
      notPositive.map(([what, value]): [string, string, unknown] => [field, what, value]),
    ),
  )('refuses a rateLimit.%s of %s at the Server and the RateLimiter', (field, _what, value) => {
    const rateLimit = { [field]: value } as RateLimit;
    for (const make of [
      () => new Server(store(), { rateLimit }),
      () => new RateLimiter(rateLimit),
    ]) {
      expect(thrown(make)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      expect(thrown(make).message).toContain(`rateLimit.${field} must be`);
    }
  });

  it('refuses a burst under 1 (nothing would pass), a fractional maxAddresses, and a rateLimit that is no object', () => {
    for (const rateLimit of [{ burst: 0.5 }, { maxAddresses: 1.5 }, true, 5, null, 'off']) {
      expect(
        thrown(() => new Server(store(), { rateLimit: rateLimit as RateLimit })),
      ).toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('takes good limits, and false for no rate limit', () => {
    expect(
      () =>
        new Server(store(), {
          rateLimit: { datagramsPerSecond: 0.5, burst: 1, maxAddresses: 1 },
          maxPendingEvents: 1,
        }),
    ).not.toThrow();
    expect(() => new Server(store(), { rateLimit: false })).not.toThrow();
    expect(() => new Client({ maxPendingEvents: 4096 })).not.toThrow();
    expect(connection(1).stats.pendingEvents).toBe(0);
  });
});
