import { Subject, firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import { Backend } from '../../lib/backend/backend';
import { Client } from '../../lib/client/client';
import type { ClientStatus } from '../../lib/client/client';
import { createGameState } from '../../lib/state/gameState';
import type { GameState } from '../../lib/state/gameState';
import type { Address } from '../../lib/transport/datagram';
import { bindUdp } from '../../lib/transport/udpTransport';

type Tally = GameState<{ count: number; adds: number }>;

const WAIT_MS = 10_000;

/**
 * A real server over UDP on 127.0.0.1 that holds dropped clients, and a client whose sockets the
 * spec can declare lost, as a network change does: its link to the server closes, and it comes
 * back from a new socket.
 */
async function connected() {
  const backend = new Backend<Tally>(
    createGameState({ count: 0, adds: 0 }) as Tally,
    () => ({}),
    {
      ADD: ({ n }, { gameState }) => ({
        count: gameState.count + (n as number),
        adds: gameState.adds + 1,
      }),
    },
    { reconnectGraceMs: 10_000 },
  );
  const { port } = await backend.run('127.0.0.1', 0);
  const lost: Subject<Address>[] = [];
  const sockets: Address[] = [];
  const client = new Client<Tally>({
    bind: async () => {
      const transport = await bindUdp({ host: '127.0.0.1' });
      const closed$ = new Subject<Address>();
      lost.push(closed$);
      sockets.push(transport.address);
      return { ...transport, closed$ };
    },
  });
  await client.connect(port, '127.0.0.1');
  const server = { host: '127.0.0.1', port };
  return { backend, client, sockets, loseLink: () => lost.at(-1)?.next(server) };
}

describe('reconnection over real UDP', () => {
  it('brings a client back from a new socket as the same client, each event handled once', async () => {
    const { backend, client, sockets, loseLink } = await connected();
    try {
      const statuses: ClientStatus[] = [];
      client.status$.subscribe((status) => statuses.push(status));
      await lastValueFrom(client.dispatchEvent('ADD', { n: 1 }, { retries: 5 }), {
        defaultValue: 0,
      });
      // Handled, not only received: two events of one tick would see the same state.
      await client.waitUntil((state) => state.count === 1, WAIT_MS);
      const reconnected = firstValueFrom(backend.server.reconnected$.pipe(timeout(WAIT_MS)));
      loseLink();
      // Queued while the client comes back.
      const late = lastValueFrom(client.dispatchEvent('ADD', { n: 10 }, { retries: 5 }), {
        defaultValue: 0,
      });
      const back = await reconnected;
      expect(back.previous.port).toBe(sockets[0]?.port);
      expect(back.client.port).toBe(sockets[1]?.port);
      await late;
      await client.waitUntil((state) => state.count === 11, WAIT_MS);
      expect(backend.gameStateStore.getGameState().adds).toBe(2);
      expect(backend.server.connections.size).toBe(1);
      expect(statuses).toEqual(['connected', 'reconnecting', 'connected']);
      // Leaving, it goes at once, from where it is now.
      const gone = firstValueFrom(backend.server.disconnected$.pipe(timeout(WAIT_MS)));
      await client.disconnect();
      expect(await gone).toEqual({ client: back.client, reason: 'disconnected' });
    } finally {
      await client.disconnect();
      await backend.shutdown();
    }
  });
});
