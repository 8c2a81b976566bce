import { createSocket } from 'node:dgram';
import { Backend } from '../../lib/backend/backend';
import { GameStateMachine } from '../../lib/game/gameStateMachine';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { InvalidArgumentError, InvalidStateError } from '../../lib/protocol/errors';
import { Server } from '../../lib/server/server';
import { createGameState } from '../../lib/state/gameState';
import type { Transport } from '../../lib/transport/datagram';
import { bindUdp } from '../../lib/transport/udpTransport';

/** Whether a UDP socket can bind 127.0.0.1:`port` now: nothing else holds it. */
async function isFree(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

describe('a server shut down as it starts, over UDP on 127.0.0.1', () => {
  it('does not run: run() fails, the socket it bound is closed, and it may run again', async () => {
    let bound: Transport | undefined;
    const server = new Server(new GameStateStore(createGameState({})), {
      bind: async (port, host) => (bound = await bindUdp({ port, host })),
    });
    const running = server.run(0, '127.0.0.1');
    const down = server.whenShutDown();
    await server.shutdown();
    await expect(running).rejects.toBeInstanceOf(InvalidStateError);
    await expect(down).resolves.toBeUndefined();
    expect(server.address).toBeUndefined();
    expect(await isFree(bound!.address.port)).toBe(true);
    // Nothing is left of it: it runs afresh.
    const { port } = await server.run(0, '127.0.0.1');
    expect(await isFree(port)).toBe(false);
    await server.shutdown();
    expect(await isFree(port)).toBe(true);
  });

  it('as a Backend: its game loop does not start either', async () => {
    const backend = new Backend(createGameState({ ticks: 0 }), (state) => ({
      ticks: state.ticks + 1,
    }));
    const running = backend.run('127.0.0.1', 0);
    await backend.shutdown();
    await expect(running).rejects.toBeInstanceOf(InvalidStateError);
    expect(backend.server.address).toBeUndefined();
    expect(backend.gameStateMachine.isRunning).toBe(false);
  });
});

describe('a game loop interval that is none', () => {
  it.each([
    ['0', 0],
    ['negative', -5],
    ['Infinity', Infinity],
    ['past the longest timer', 2 ** 31],
    ['NaN', NaN],
  ])('is refused at Backend.run (%s) before a socket is bound', async (_what, intervalMs) => {
    const backend = new Backend(createGameState({}), () => ({}));
    await expect(backend.run('127.0.0.1', 0, intervalMs)).rejects.toThrow(
      /^the game loop interval must be a number of ms above 0 and at most 2147483647/,
    );
    expect(backend.server.address).toBeUndefined();
    // A good one then runs.
    await backend.run('127.0.0.1', 0, 20);
    expect(backend.gameStateMachine.isRunning).toBe(true);
    await backend.shutdown();
  });

  it('is refused at runGameLoop', () => {
    const machine = new GameStateMachine(new GameStateStore(createGameState({})), {
      timeStep: () => ({}),
    });
    expect(() => machine.runGameLoop(Infinity)).toThrow(InvalidArgumentError);
    expect(() => machine.runGameLoop(2 ** 31)).toThrow(InvalidArgumentError);
    expect(machine.isRunning).toBe(false);
  });
});
