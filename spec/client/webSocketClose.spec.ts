import { firstValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { Backend } from '../../lib/backend/backend';
import { Client } from '../../lib/client/client';
import { ConnectionRefusedError } from '../../lib/protocol/errors';
import { createGameState } from '../../lib/state/gameState';
import type { Transport } from '../../lib/transport/datagram';
import { webSocketClientTransport } from '../../lib/transport/webSocketClient';
import type { WebSocketServerTransport } from '../../lib/transport/webSocketServer';
import { listenWebSocket } from '../../lib/transport/webSocketServer';

/*
 * Over WebSocket a link that closes says so, where UDP says nothing: a connection over it ends at
 * once, for the reason `disconnected`, not seconds later for `timeout`.
 */

/** A game over WebSocket on 127.0.0.1, its transport at hand, and a client whose transport is. */
async function overWebSocket() {
  let served: WebSocketServerTransport | undefined;
  const game = new Backend(
    createGameState({ n: 0 }),
    () => ({}),
    {},
    {
      bind: async (port, host) => (served = await listenWebSocket({ port, host })),
    },
  );
  const { port } = await game.run('127.0.0.1', 0);
  let link: Transport | undefined;
  const client = new Client({
    bind: async () => (link = webSocketClientTransport({ WebSocket })),
  });
  await client.connect(port, '127.0.0.1');
  return {
    game,
    client,
    server: served as WebSocketServerTransport,
    link: link as Transport,
  };
}

describe('a connection over WebSocket whose link closes', () => {
  it('fails a connect at once where nothing listens, as refused, not timed out', async () => {
    const nothing = await listenWebSocket({ port: 0, host: '127.0.0.1' });
    const { port } = nothing.address;
    nothing.close();
    const client = new Client({ bind: async () => webSocketClientTransport({ WebSocket }) });
    const failure = await client.connect(port, '127.0.0.1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionRefusedError);
    expect(failure).toMatchObject({ reason: 'disconnected' });
    expect(String(failure)).toMatch(/link .* closed/);
  });

  it("ends the client's connection as the server's WebSocket closes, for disconnected", async () => {
    const { game, client, server } = await overWebSocket();
    const gone = firstValueFrom(client.disconnected$);
    // The sockets go without a word of the protocol: a server process that died, a proxy.
    server.close();
    expect(await gone).toBe('disconnected');
    expect(client.connection).toBeUndefined();
    await game.shutdown();
  });

  it("ends the server's connection as the client's WebSocket closes, for disconnected", async () => {
    const { game, client, link } = await overWebSocket();
    const gone = firstValueFrom(game.server.disconnected$);
    // The tab closed: its socket goes without a word of the protocol.
    link.close();
    expect((await gone).reason).toBe('disconnected');
    expect(game.server.connections.size).toBe(0);
    await client.disconnect();
    await game.shutdown();
  });
});
