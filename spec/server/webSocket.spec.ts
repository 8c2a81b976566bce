import { firstValueFrom, lastValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { pygaseHandler } from '../../lib/connection/eventHandlers';
import { GameStateMachine } from '../../lib/backend/gameStateMachine';
import { GameStateStore } from '../../lib/backend/gameStateStore';
import { Client } from '../../lib/client/client';
import { Server } from '../../lib/server/server';
import type { GameState } from '../../lib/state/gameState';
import { createGameState } from '../../lib/state/gameState';
import { addressKey } from '../../lib/transport/datagram';
import { mergeTransports } from '../../lib/transport/mergeTransports';
import { bindUdp } from '../../lib/transport/udpTransport';
import { webSocketClientTransport } from '../../lib/transport/webSocketClient';
import type { WebSocketServerTransport } from '../../lib/transport/webSocketServer';
import { listenWebSocket } from '../../lib/transport/webSocketServer';

type Board = GameState<{ notes: Record<string, string> }>;

describe('one game over UDP and WebSocket at once, on 127.0.0.1', () => {
  const store = new GameStateStore<Board>(createGameState({ notes: {} }) as Board);
  const machine = new GameStateMachine(store, { timeStep: () => ({}) });
  machine.registerEventHandler(
    'NOTE',
    pygaseHandler((who: string, text: string) => ({ notes: { [who]: text } })),
  );
  let webSocket: WebSocketServerTransport | undefined;
  const server = new Server(store, {
    bind: async (port, host) => {
      webSocket = await listenWebSocket({ port: 0, host });
      return mergeTransports(await bindUdp({ port, host }), webSocket);
    },
  });
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
    await wsClient.connect(webSocket!.address.port, '127.0.0.1');
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
});
