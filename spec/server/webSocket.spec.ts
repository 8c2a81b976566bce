import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { pygaseHandler } from '../../lib/connection/eventHandlers';
import { GameStateMachine } from '../../lib/game/gameStateMachine';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { Client } from '../../lib/client/client';
import { Server } from '../../lib/server/server';
import type { ServerOptions } from '../../lib/server/serverOptions';
import type { GameState } from '../../lib/state/gameState';
import { createGameState } from '../../lib/state/gameState';
import { addressKey } from '../../lib/transport/datagram';
import { mergeTransports } from '../../lib/transport/mergeTransports';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';
import { bindUdp } from '../../lib/transport/udpTransport';
import { webSocketClientTransport } from '../../lib/transport/webSocketClient';
import { CLOSE_NO_SESSION } from '../../lib/transport/webSocketServerOptions';
import type { WebSocketServerTransport } from '../../lib/transport/webSocketServer';
import { listenWebSocket } from '../../lib/transport/webSocketServer';

type Board = GameState<{ notes: Record<string, string> }>;

/**
 * A board of notes, NOTE(who, text) setting one, on a server that listens on UDP and WebSocket
 * at once; `webSocket()` is its WebSocket transport once it runs.
 */
function noteBoard(options: Pick<ServerOptions<Board>, 'view'> = {}) {
  const store = new GameStateStore<Board>(createGameState({ notes: {} }) as Board);
  const machine = new GameStateMachine(store, { timeStep: () => ({}) });
  machine.registerEventHandler(
    'NOTE',
    pygaseHandler((who: string, text: string) => ({ notes: { [who]: text } })),
  );
  let webSocket: WebSocketServerTransport | undefined;
  const server = new Server(store, {
    ...options,
    bind: async (port, host) => {
      webSocket = await listenWebSocket({ port: 0, host });
      return mergeTransports(await bindUdp({ port, host }), webSocket);
    },
  });
  return { store, machine, server, webSocket: () => webSocket! };
}

describe('one game over UDP and WebSocket at once, on 127.0.0.1', () => {
  const { machine, server, webSocket } = noteBoard();
  const udpClient = new Client<Board>();
  const wsClient = new Client<Board>({
    bind: async () => webSocketClientTransport({ WebSocket }),
  });
  let port: number;

  beforeAll(async () => {
    ({ port } = await server.run(0, '127.0.0.1', machine));
    machine.runGameLoop(20);
  });

  afterAll(async () => {
    machine.stop();
    await udpClient.disconnect();
    await wsClient.disconnect();
    await server.shutdown();
  });

  it('takes a UDP client and a WebSocket client as two clients', async () => {
    await udpClient.connect(port, '127.0.0.1');
    await wsClient.connect(webSocket().address.port, '127.0.0.1');
    const keys = [...server.connections.keys()];
    expect(keys).toHaveLength(2);
    expect(keys.filter((key) => key.startsWith('ws://127.0.0.1:'))).toHaveLength(1);
    expect(addressKey(server.address!)).toBe(`127.0.0.1:${port}`);
  });

  it("lets each see the other's changes", async () => {
    await lastValueFrom(udpClient.dispatchEvent('NOTE', ['udp', 'hello'], {}, { retries: 3 }), {
      defaultValue: undefined,
    });
    expect((await wsClient.waitUntil((s) => s.notes.udp === 'hello')).notes.udp).toBe('hello');
    await lastValueFrom(wsClient.dispatchEvent('NOTE', ['ws', 'hi'], {}, { retries: 3 }), {
      defaultValue: undefined,
    });
    expect((await udpClient.waitUntil((s) => s.notes.ws === 'hi')).notes).toEqual({
      udp: 'hello',
      ws: 'hi',
    });
  });

  it('sends server events to the WebSocket client, acked', async () => {
    const wsRemote = [...server.connections.values()].find(
      (connection) => connection.remote.scheme === 'ws',
    )!.remote;
    const heard = firstValueFrom(wsClient.on('PING'));
    const outcome = await lastValueFrom(
      server.dispatchEvent('PING', [1], {}, { targetClient: wsRemote }),
    );
    expect(outcome).toEqual({ client: wsRemote, acked: true });
    expect((await heard).args).toEqual([1]);
  });

  it('carries a 100 KB event each way, in fragments as over UDP', async () => {
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 253);
    const serverHeard = firstValueFrom(server.on('BIG'));
    await lastValueFrom(wsClient.dispatchEvent('BIG', [big], {}, { retries: 3 }), {
      defaultValue: undefined,
    });
    expect((await serverHeard).event.args[0]).toEqual(big);
    const wsRemote = [...server.connections.values()].find(
      (connection) => connection.remote.scheme === 'ws',
    )!.remote;
    const clientHeard = firstValueFrom(wsClient.on('BIG'));
    const outcome = await lastValueFrom(
      server.dispatchEvent('BIG', [big], {}, { targetClient: wsRemote, retries: 3 }),
    );
    expect(outcome).toEqual({ client: wsRemote, acked: true });
    expect((await clientHeard).args[0]).toEqual(big);
    expect(webSocket().stats.skipped).toBe(0);
  });
});

describe('WebSocket sockets and rxgase sessions, with a real server on 127.0.0.1', () => {
  const handshakeTimeout = 500;

  it('closes a socket that never joins with 1008, while a browser client plays on past the timeout', async () => {
    const scheduler = new SimulationScheduler();
    const store = new GameStateStore<Board>(createGameState({ notes: {} }) as Board);
    let webSocket: WebSocketServerTransport | undefined;
    const server = new Server(store, {
      bind: async (_port, host) => {
        webSocket = await listenWebSocket({ host, handshakeTimeout, scheduler });
        return webSocket;
      },
    });
    const client = new Client<Board>({
      bind: async () => webSocketClientTransport({ WebSocket }),
    });
    await server.run(0, '127.0.0.1');
    const idle = new WebSocket(`ws://127.0.0.1:${webSocket!.address.port}/`);
    const idleOpen = new Promise((resolve) => idle.once('open', resolve));
    try {
      await client.connect(webSocket!.address.port, '127.0.0.1');
      await idleOpen;
      const idleClosed = new Promise((resolve) => idle.once('close', resolve));
      scheduler.advanceBy(handshakeTimeout * 10);
      expect(await idleClosed).toBe(CLOSE_NO_SESSION);
      expect(webSocket!.stats.timedOut).toBe(1);

      const remote = [...server.connections.values()][0]!.remote;
      const heard = firstValueFrom(client.on('PING'));
      const outcome = await lastValueFrom(
        server.dispatchEvent('PING', [2], {}, { targetClient: remote }),
      );
      expect(outcome).toEqual({ client: remote, acked: true });
      expect((await heard).args).toEqual([2]);
      expect(webSocket!.stats.timedOut).toBe(1);
    } finally {
      idle.terminate();
      await client.disconnect();
      await server.shutdown();
    }
  });
});

describe('a view over WebSocket, with a real server on 127.0.0.1', () => {
  it('gives a WebSocket client only its view, its own note and no other', async () => {
    // Each client sees the note under its own address key, and nothing else of the notes.
    const { store, machine, server, webSocket } = noteBoard({
      view: (state, client) => {
        const own = state.notes[client.key];
        return { notes: own === undefined ? {} : { [client.key]: own } };
      },
    });
    const client = new Client<Board>({ bind: async () => webSocketClientTransport({ WebSocket }) });
    await server.run(0, '127.0.0.1', machine);
    machine.runGameLoop(20);
    try {
      await client.connect(webSocket().address.port, '127.0.0.1');
      const [key] = [...server.connections.keys()];
      machine.pushEvent({ type: 'NOTE', args: ['someone else', 'secret'], kwargs: {} });
      machine.pushEvent({ type: 'NOTE', args: [key, 'mine'], kwargs: {} });
      const seen = await client.waitUntil((state) => state.notes[key!] === 'mine');
      await firstValueFrom(store.state$.pipe(filter((state) => 'someone else' in state.notes)));
      expect(seen.notes).toEqual({ [key!]: 'mine' });
      expect(client.state.notes).toEqual({ [key!]: 'mine' });
    } finally {
      machine.stop();
      await client.disconnect();
      await server.shutdown();
    }
  });
});
