import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { Backend } from '../../lib/backend/backend';
import { Client } from '../../lib/client/client';
import type { ClientOptions } from '../../lib/client/clientOptions';
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

/**
 * A game over WebSocket on 127.0.0.1, its transport at hand, and a client whose transport is (the
 * latest it opened).
 */
async function overWebSocket(
  clientOptions: ClientOptions = { reconnect: false },
  reconnectGraceMs = 0,
) {
  let served: WebSocketServerTransport | undefined;
  const game = new Backend(
    createGameState({ n: 0 }),
    () => ({}),
    {},
    {
      bind: async (port, host) => (served = await listenWebSocket({ port, host })),
      reconnectGraceMs,
    },
  );
  const { port } = await game.run('127.0.0.1', 0);
  let link: Transport | undefined;
  const sockets: WebSocket[] = [];
  /** ws's WebSocket, each kept, to cut one as a network does. */
  class Kept extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  const client = new Client({
    ...clientOptions,
    bind: async () => (link = webSocketClientTransport({ WebSocket: Kept })),
  });
  await client.connect(port, '127.0.0.1');
  return {
    game,
    client,
    server: served as WebSocketServerTransport,
    link: () => link as Transport,
    /** Cuts the client's latest socket without a word, both ends seeing it close. */
    cut: () => sockets.at(-1)?.terminate(),
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
    link().close();
    expect((await gone).reason).toBe('disconnected');
    expect(game.server.connections.size).toBe(0);
    await client.disconnect();
    await game.shutdown();
  });

  it('says reconnecting at once as its WebSocket closes, and gives up once nothing answers', async () => {
    const { game, client, server } = await overWebSocket({ reconnect: { timeoutMs: 300 } }, 10_000);
    const reconnecting = firstValueFrom(client.status$.pipe(filter((s) => s === 'reconnecting')));
    const gone = firstValueFrom(client.disconnected$);
    server.close();
    await reconnecting;
    expect(await gone).toBe('disconnected');
    expect(client.currentStatus).toBe('disconnected');
    await game.shutdown();
  });

  it('comes back over a new WebSocket as the same client, where the server holds its place', async () => {
    const { game, client, link, cut } = await overWebSocket({}, 10_000);
    const dropped = firstValueFrom(game.server.dropped$);
    const reconnected = firstValueFrom(game.server.reconnected$);
    const statuses: string[] = [];
    client.status$.subscribe((status) => statuses.push(status));
    const first = link();
    cut();
    expect((await dropped).reason).toBe('disconnected');
    const back = await reconnected;
    expect(back.client).not.toEqual(back.previous);
    expect(link()).not.toBe(first);
    await lastValueFrom(client.dispatchEvent('HELLO', {}, { retries: 3 }), { defaultValue: 0 });
    expect(statuses).toEqual(['connected', 'reconnecting', 'connected']);
    expect(game.server.connections.size).toBe(1);
    expect(game.server.heldClients).toBe(0);
    await client.disconnect();
    await game.shutdown();
  });
});
