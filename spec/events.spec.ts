import { firstValueFrom, lastValueFrom } from 'rxjs';
import { Backend } from '../lib/backend/backend';
import { gameLogic } from '../lib/game/gameLogic';
import { GameStateMachine } from '../lib/game/gameStateMachine';
import type { HandlerContext } from '../lib/game/gameHandlers';
import { GameStateStore } from '../lib/game/gameStateStore';
import { Client } from '../lib/client/client';
import { pygaseHandler } from '../lib/connection/eventHandlers';
import type { GameState } from '../lib/state/gameState';
import { createGameState } from '../lib/state/gameState';
import type { StateChanges } from '../lib/state/stateChanges';
import { Replacement } from '../lib/state/replacement';
import { TO_DELETE } from '../lib/state/toDelete';
import type { Server } from '../lib/server/server';
import type { NoEvents, NoPayload } from '../lib/protocol/events';

/** The arena game's types, declared once for server and client code, as a game would. */
type Arena = GameState<{
  round: number;
  players: Record<string, { x: number; name?: string }>;
}>;
interface ArenaEvents {
  toServer: { JOIN: { name: string }; MOVE: { x: number }; LEAVE: NoPayload };
  toClient: { WELCOME: { id: string; round: number }; TICK: NoPayload };
}

interface Fields {
  players: Record<string, { x: number }>;
  round: number;
}
type Listed = GameState<{ items: { id: string; done?: boolean }[] }>;

const initial = (): Arena => createGameState({ round: 1, players: {} }) as Arena;

/**
 * What the event map types, proven by the compiler: this function is type-checked with the specs
 * and never run. Each `@ts-expect-error` fails the build if the line after it compiles.
 */
export function typeChecks(
  client: Client<Arena, ArenaEvents>,
  server: Server<Arena, ArenaEvents>,
  machine: GameStateMachine<Arena, ArenaEvents>,
  untypedServer: Server,
): void {
  // dispatchEvent: the name and the payload.
  client.dispatchEvent('MOVE', { x: 3 }, { retries: 2 });
  client.dispatchEvent('LEAVE');
  // @ts-expect-error a typo'd event type
  client.dispatchEvent('MOVEE', { x: 3 });
  // @ts-expect-error a payload of the wrong type
  client.dispatchEvent('MOVE', { x: '3' });
  // @ts-expect-error a payload missing its key
  client.dispatchEvent('MOVE', {});
  // @ts-expect-error a payload is required where it has a required key
  client.dispatchEvent('JOIN');
  // @ts-expect-error an option that is not one
  client.dispatchEvent('MOVE', { x: 3 }, { retry: 2 });
  // The PyGaSe form: its kwargs are the payload.
  client.dispatchEvent('MOVE', [], { x: 3 }, { retries: 2 });
  // @ts-expect-error the PyGaSe form checks the kwargs too
  client.dispatchEvent('MOVE', [], { y: 3 });
  // Server to client, the other direction of the same map.
  server.dispatchEvent('WELCOME', { id: 'a', round: 2 }, { targetClient: 'all' });
  // @ts-expect-error a client's event is not the server's to send
  server.dispatchEvent('MOVE', { x: 3 });

  // Handlers: the payload inferred, the context typed.
  machine.registerEventHandler('MOVE', ({ x }, { gameState, dt, clientAddress, args }) => {
    const payload: number = x;
    const round: number = gameState.round;
    void [dt.toFixed(), clientAddress?.port, args.length, round];
    return { players: { ann: { x: payload } } };
  });
  // @ts-expect-error the payload has no y
  machine.registerEventHandler('MOVE', ({ y }) => ({ round: y }));
  // @ts-expect-error no such event
  machine.registerEventHandler('JUMP', () => undefined);
  server.registerEventHandler('JOIN', ({ name }, { clientAddress }) => {
    void [name.toUpperCase(), clientAddress.host];
  });
  client.registerEventHandler('WELCOME', ({ id, round }, { args }) => {
    void [id.toUpperCase(), round.toFixed(), args];
  });
  // @ts-expect-error the server's events are the client's to handle, not its own
  client.registerEventHandler('JOIN', () => undefined);

  // What handlers return is checked against the state, keys included.
  machine.registerEventHandler('LEAVE', () => ({ players: { ann: TO_DELETE } }));
  machine.registerEventHandler('LEAVE', () => ({ players: { ann: { name: TO_DELETE } } }));
  machine.registerEventHandler('LEAVE', () => undefined);
  // @ts-expect-error a typo'd key beside a right one
  machine.registerEventHandler('LEAVE', () => ({ round: 2, rounds: 3 }));
  // @ts-expect-error a typo'd key, deeper
  machine.registerEventHandler('LEAVE', () => ({ players: { ann: { x: 1, y: 2 } } }));
  // @ts-expect-error a value of the wrong type
  machine.registerEventHandler('LEAVE', () => ({ round: 'two' }));
  // @ts-expect-error a key that must stay cannot be deleted
  machine.registerEventHandler('LEAVE', () => ({ round: TO_DELETE }));
  // @ts-expect-error time_order is the loop's to set
  machine.registerEventHandler('LEAVE', () => ({ time_order: 9 }));
  // @ts-expect-error one branch of a conditional typo'd
  machine.registerEventHandler('MOVE', ({ x }) => (x > 0 ? { round: x } : { roundd: x }));
  // A time step and a backend's handlers: value types and event names.
  // @ts-expect-error a value of the wrong type from a time step
  new GameStateMachine<Arena>(new GameStateStore(initial()), { timeStep: () => ({ round: '1' }) });
  new Backend<Arena, ArenaEvents>(initial(), () => undefined, {
    // @ts-expect-error no such event
    JUMP: () => undefined,
  });
  new Backend<Arena, ArenaEvents>(initial(), () => undefined, {
    // @ts-expect-error a payload of the wrong type
    MOVE: ({ x }: { x: string }) => ({ round: Number(x) }),
  });
  // A declared return type checks every key of a literal, wherever the function is passed.
  // @ts-expect-error a typo'd key beside a right one
  const step = (state: Arena): StateChanges<Arena> => ({ round: state.round + 1, rounds: 1 });
  void step;

  // gameLogic: the Backend constructor's time step and handlers checked key by key.
  const logic = gameLogic<Arena, ArenaEvents>();
  new Backend<Arena, ArenaEvents>(
    initial(),
    logic.timeStep((state) => ({ round: state.round + 1 })),
    logic.handlers({
      MOVE: ({ x }, { clientAddress }) => ({ players: { [String(clientAddress?.port)]: { x } } }),
      LEAVE: () => ({ players: { ann: TO_DELETE } }),
    }),
  );
  // @ts-expect-error a typo'd key beside a right one, in a time step
  logic.timeStep((state) => ({ round: state.round + 1, rounds: 1 }));
  // @ts-expect-error a value of the wrong type, in a time step
  logic.timeStep(() => ({ round: '1' }));
  logic.handlers({
    // @ts-expect-error a typo'd key beside a right one, in a handler
    MOVE: ({ x }) => ({ round: x, rounds: 2 }),
  });
  logic.handlers({
    // @ts-expect-error a value of the wrong type, in a handler
    MOVE: ({ x }) => ({ round: String(x) }),
  });
  logic.handlers({
    // @ts-expect-error no such event
    JUMP: () => undefined,
  });

  // Keys are checked in the entries of records and the elements of arrays too.
  // @ts-expect-error a typo'd key in a record entry named by a computed key
  machine.registerEventHandler('MOVE', ({ x }) => ({ players: { [String(x)]: { x, y: 1 } } }));
  const listed = new GameStateMachine<Listed>(
    new GameStateStore(createGameState({ items: [] }) as Listed),
  );
  listed.registerEventHandler('ADD', () => ({ items: [{ id: 'a' }] }));
  // @ts-expect-error a typo'd key in an array element
  listed.registerEventHandler('ADD', () => ({ items: [{ id: 'a', idd: 'b' }] }));

  // A replacement sets an object whole: it must be a whole one.
  machine.registerEventHandler('LEAVE', () => ({ players: { ann: new Replacement({ x: 1 }) } }));
  // @ts-expect-error a replacement that lacks a required key
  machine.registerEventHandler('LEAVE', () => ({ players: { ann: new Replacement({}) } }));

  // A payload with no required key is optional, and nothing else goes in its place.
  client.dispatchEvent('LEAVE', {}, { retries: 1 });
  // @ts-expect-error the options are not the payload
  client.dispatchEvent('LEAVE', { retries: 3 });
  // @ts-expect-error the PyGaSe form needs the kwargs where the payload has required keys
  client.dispatchEvent('JOIN', []);
  // @ts-expect-error a payload that is not an object has no form as keyword arguments
  new Client<Arena, { toServer: { N: number }; toClient: NoEvents }>().dispatchEvent('N', 5);

  // An untyped handler cannot read the context from its payload, where a sender could put it.
  new GameStateMachine(new GameStateStore(createGameState({}))).registerEventHandler(
    'KICK',
    // @ts-expect-error gameState is the context's, not the payload's
    ({ gameState }) => ({ n: gameState.time_order }),
  );
  untypedServer.registerEventHandler('KICK', ({ clientAddress }) => {
    // @ts-expect-error clientAddress is the context's, not the payload's
    void clientAddress.host;
  });

  // A state whose fields are declared as an interface.
  new Backend<GameState<Fields>>(createGameState<Fields>({ players: {}, round: 1 }), (state) => ({
    round: state.round + 1,
  }));

  // events$ and on(): a union discriminated by type, and one type's payload.
  client.events$.subscribe((event) => {
    if (event.type === 'WELCOME') void event.kwargs.id.toUpperCase();
  });
  server.on('MOVE').subscribe(({ event, client: from }) => void [event.kwargs.x.toFixed(), from]);
  // @ts-expect-error no such event
  client.on('WELCOMEE');

  // Untyped code keeps working, as in JavaScript and PyGaSe: any event, any object payload.
  const untyped = new Client();
  untyped.dispatchEvent('ANYTHING', { at: 1 });
  untyped.dispatchEvent('ANYTHING', ['positional'], { and: 'kwargs' }, { retries: 1 });
  new GameStateMachine(new GameStateStore(createGameState({}))).registerEventHandler(
    'ANY',
    ({ whatever }, { gameState }) => ({ [String(whatever)]: gameState.time_order }),
  );
  // @ts-expect-error a handler written for positional arguments needs pygaseHandler
  untyped.registerEventHandler('X', (n: number) => void n);
  untyped.registerEventHandler(
    'X',
    pygaseHandler((n: number, kwargs: object) => void [n, kwargs]),
  );
  machine.registerEventHandler(
    'MOVE',
    pygaseHandler((who: string, { gameState }: HandlerContext<Arena>) => ({
      players: { [who]: { x: gameState.round } },
    })),
  );
}

describe('typed events, over real UDP on 127.0.0.1', () => {
  it('carry payloads both ways, to typed handlers, events$ and on()', async () => {
    const backend = new Backend<Arena, ArenaEvents>(initial(), () => undefined, {
      JOIN: ({ name }, { clientAddress }) => ({
        players: { [`${clientAddress!.port}`]: { x: 0, name } },
      }),
      MOVE: ({ x }, { clientAddress }) => ({ players: { [`${clientAddress!.port}`]: { x } } }),
    });
    const joined: string[] = [];
    backend.server.registerEventHandler('JOIN', ({ name }, { clientAddress }) =>
      joined.push(`${name}@${clientAddress.host}`),
    );
    const { port } = await backend.run('127.0.0.1', 0, 10);
    const client = new Client<Arena, ArenaEvents>();
    const welcomes: { id: string; round: number }[] = [];
    client.registerEventHandler('WELCOME', (payload) => welcomes.push(payload));
    try {
      await client.connect(port, '127.0.0.1');
      const moves = firstValueFrom(backend.server.on('MOVE'));
      await lastValueFrom(client.dispatchEvent('JOIN', { name: 'ann' }, { retries: 3 }), {
        defaultValue: undefined,
      });
      await lastValueFrom(client.dispatchEvent('MOVE', { x: 7 }, { retries: 3 }), {
        defaultValue: undefined,
      });
      const { event } = await moves;
      expect(event).toEqual({ type: 'MOVE', args: [], kwargs: { x: 7 } });
      const seen = await client.waitUntil((state) =>
        Object.values(state.players).some((p) => p.name === 'ann' && p.x === 7),
      );
      expect(Object.values(seen.players)).toEqual([{ x: 7, name: 'ann' }]);
      expect(joined).toEqual(['ann@127.0.0.1']);

      const welcome = firstValueFrom(client.on('WELCOME'));
      backend.server.dispatchEvent('WELCOME', { id: 'ann', round: 2 }, { retries: 3 }).subscribe();
      expect((await welcome).kwargs).toEqual({ id: 'ann', round: 2 });
      expect(welcomes).toEqual([{ id: 'ann', round: 2 }]);
    } finally {
      await client.disconnect();
      await backend.shutdown();
    }
  });
});
