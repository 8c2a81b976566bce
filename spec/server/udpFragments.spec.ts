import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { Client } from '../../lib/client/client';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { MAX_DATAGRAM_SIZE } from '../../lib/protocol/rxgaseConstants';
import { Server } from '../../lib/server/server';
import { createGameState } from '../../lib/state/gameState';
import type { Datagram, Transport } from '../../lib/transport/datagram';
import { bindUdp } from '../../lib/transport/udpTransport';

/** 100 KB that are not all one byte, so a fragment out of place would show. */
const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) % 251);

/** A UDP transport that notes the size of every datagram it sends. */
async function measured(sizes: number[]): Promise<Transport> {
  const transport = await bindUdp({ port: 0, host: '127.0.0.1' });
  return {
    ...transport,
    datagrams$: transport.datagrams$,
    send: (datagram: Datagram) => {
      sizes.push(datagram.data.length);
      transport.send(datagram);
    },
    close: () => transport.close(),
  };
}

describe('a 100 KB event each way over real UDP on 127.0.0.1', () => {
  const serverSizes: number[] = [];
  const clientSizes: number[] = [];
  const server = new Server(new GameStateStore(createGameState({ n: 0 })), {
    bind: (port, host) =>
      bindUdp({ port, host }).then((transport) => ({
        ...transport,
        datagrams$: transport.datagrams$,
        send: (datagram: Datagram) => {
          serverSizes.push(datagram.data.length);
          transport.send(datagram);
        },
        close: () => transport.close(),
      })),
  });
  const client = new Client({ bind: () => measured(clientSizes) });
  const pygase = new Client({ protocol: 'pygase' });

  beforeAll(async () => {
    const { port } = await server.run(0, '127.0.0.1');
    // A PyGaSe client is sent events once its ack verified it: then it is reported connected.
    const both = firstValueFrom(server.connected$.pipe(take(2), toArray()));
    await client.connect(port, '127.0.0.1');
    await pygase.connect(port, '127.0.0.1');
    await both;
  });

  afterAll(async () => {
    await client.disconnect();
    await pygase.disconnect();
    await server.shutdown();
  });

  it('carries a client’s event to the server in fragments of at most 1200 bytes, acked', async () => {
    const heard = firstValueFrom(server.on('MAP'));
    await lastValueFrom(client.dispatchEvent('MAP', [big], {}, { retries: 3 }), {
      defaultValue: undefined,
    });
    const { event } = await heard;
    expect(event.args[0]).toEqual(big);
    expect(Math.max(...clientSizes)).toBeLessThanOrEqual(MAX_DATAGRAM_SIZE);
    expect(clientSizes.filter((size) => size === MAX_DATAGRAM_SIZE).length).toBeGreaterThan(80);
  });

  it('carries the server’s event to an rxgase client, and tells a PyGaSe one it is too large', async () => {
    const heard = firstValueFrom(client.on('MAP'));
    const outcomes = await lastValueFrom(
      server.dispatchEvent('MAP', [big], {}, { retries: 3 }).pipe(toArray()),
    );
    expect((await heard).args[0]).toEqual(big);
    expect(outcomes.filter((o) => o.acked).length).toBe(1);
    const refused = outcomes.find((o) => !o.acked);
    expect(refused?.error).toMatchObject({ code: 'ERR_PACKAGE_OVERFLOW' });
    expect(Math.max(...serverSizes)).toBeLessThanOrEqual(MAX_DATAGRAM_SIZE);
    expect(server.stats).toMatchObject({ fragmentsDropped: 0, reassemblyBytes: 0 });
  });

  it('keeps a PyGaSe client’s packages at 2048 bytes', () => {
    expect(() => pygase.dispatchEvent('MAP', [big])).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
    );
  });
});
