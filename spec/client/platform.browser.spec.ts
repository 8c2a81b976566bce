import { firstValueFrom, lastValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import {
  bindClientTransport,
  discoverServers,
  resolveHostname,
} from '../../lib/client/platform.browser';
import { listenWebSocket } from '../../lib/transport/webSocketServer';

/** The Client's defaults in the browser build, run in Node with ws standing in for the global. */
describe("the browser's platform defaults", () => {
  const global = globalThis as { WebSocket?: unknown };
  afterEach(() => {
    delete global.WebSocket;
  });

  it('opens a WebSocket transport over the global WebSocket', async () => {
    global.WebSocket = WebSocket;
    const server = await listenWebSocket();
    const transport = await bindClientTransport();
    try {
      const arriving = firstValueFrom(server.datagrams$);
      transport.send({
        data: Uint8Array.of(4, 2),
        address: { host: '127.0.0.1', port: server.address.port },
      });
      expect(Array.from((await arriving).data)).toEqual([4, 2]);
    } finally {
      transport.close();
      server.close();
    }
  });

  it('fails with a TypeError where there is no global WebSocket', async () => {
    await expect(bindClientTransport()).rejects.toBeInstanceOf(TypeError);
  });

  it('leaves hostnames to the browser', async () => {
    expect(await resolveHostname('example.test')).toBe('example.test');
  });

  it('refuses LAN discovery, which needs UDP, with a named error', async () => {
    await expect(lastValueFrom(discoverServers())).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});
