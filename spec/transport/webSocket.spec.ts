import { firstValueFrom, take, toArray } from 'rxjs';
import { WebSocket } from 'ws';
import { addressKey } from '../../lib/transport/datagram';
import { webSocketClientTransport } from '../../lib/transport/webSocketClient';
import { listenWebSocket } from '../../lib/transport/webSocketServer';

describe('WebSocket transports, over real WebSockets on 127.0.0.1', () => {
  it('carries datagrams both ways, one binary message each', async () => {
    const server = await listenWebSocket();
    const client = webSocketClientTransport({ WebSocket });
    try {
      expect(server.address).toMatchObject({ host: '127.0.0.1', scheme: 'ws' });
      expect(server.address.port).toBeGreaterThan(0);
      const target = { host: '127.0.0.1', port: server.address.port };
      const arriving = firstValueFrom(server.datagrams$.pipe(take(3), toArray()));
      // Sent before the socket is open: they wait for it, in order.
      for (let i = 1; i <= 3; i++) client.send({ data: Uint8Array.of(i, i), address: target });
      const received = await arriving;
      expect(received.map(({ data }) => Array.from(data))).toEqual([
        [1, 1],
        [2, 2],
        [3, 3],
      ]);
      const from = received[0]!.address;
      expect(from).toMatchObject({ host: '127.0.0.1', scheme: 'ws' });
      const reply = firstValueFrom(client.datagrams$);
      server.send({ data: Uint8Array.of(9, 8, 7), address: from });
      const answer = await reply;
      expect(Array.from(answer.data)).toEqual([9, 8, 7]);
      expect(addressKey(answer.address)).toBe(addressKey(target));
    } finally {
      client.close();
      server.close();
    }
  });

  it('gives each WebSocket connection an address of its own, never a UDP key', async () => {
    const server = await listenWebSocket();
    const [a, b] = [
      webSocketClientTransport({ WebSocket }),
      webSocketClientTransport({ WebSocket }),
    ];
    try {
      const target = { host: '127.0.0.1', port: server.address.port };
      const arriving = firstValueFrom(server.datagrams$.pipe(take(2), toArray()));
      a.send({ data: Uint8Array.of(1), address: target });
      b.send({ data: Uint8Array.of(2), address: target });
      const keys = (await arriving).map(({ address }) => addressKey(address));
      expect(new Set(keys).size).toBe(2);
      for (const key of keys) expect(key).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(server.peers).toBe(2);
    } finally {
      a.close();
      b.close();
      server.close();
    }
  });

  it('keys a WebSocket peer apart from a UDP peer at the same host and port', () => {
    expect(addressKey({ host: '127.0.0.1', port: 8080 })).toBe('127.0.0.1:8080');
    expect(addressKey({ host: '127.0.0.1', port: 8080, scheme: 'ws' })).toBe('ws://127.0.0.1:8080');
    expect(addressKey({ host: '::1', port: 8080, scheme: 'ws' })).toBe('ws://[::1]:8080');
  });

  it('drops text messages and counts them, and goes on', async () => {
    const server = await listenWebSocket();
    const socket = new WebSocket(`ws://127.0.0.1:${server.address.port}/`);
    try {
      await new Promise((resolve) => socket.once('open', resolve));
      const arriving = firstValueFrom(server.datagrams$);
      socket.send('not a package');
      socket.send(Uint8Array.of(5), { binary: true });
      expect(Array.from((await arriving).data)).toEqual([5]);
      expect(server.dropped).toBe(1);
    } finally {
      socket.close();
      server.close();
    }
  });

  it('drops what is sent to a peer that is gone, and says so on the client', async () => {
    const server = await listenWebSocket();
    const client = webSocketClientTransport({ WebSocket });
    const target = { host: '127.0.0.1', port: server.address.port };
    const from = (
      await (async () => {
        const arriving = firstValueFrom(server.datagrams$);
        client.send({ data: Uint8Array.of(1), address: target });
        return arriving;
      })()
    ).address;
    const closedOnClient = firstValueFrom(client.errors$);
    server.close();
    expect((await closedOnClient).message).toMatch(/closed/);
    server.send({ data: Uint8Array.of(2), address: from });
    client.send({ data: Uint8Array.of(3), address: target });
    expect(client.dropped).toBe(1);
    client.close();
  });

  it('says on closed$ which link closed: the server of the client that left, the client of the server that went', async () => {
    const server = await listenWebSocket();
    const client = webSocketClientTransport({ WebSocket });
    const other = webSocketClientTransport({ WebSocket });
    const target = { host: '127.0.0.1', port: server.address.port };
    const arriving = firstValueFrom(server.datagrams$.pipe(take(2), toArray()));
    client.send({ data: Uint8Array.of(1), address: target });
    other.send({ data: Uint8Array.of(2), address: target });
    const [fromClient] = (await arriving).sort((a, b) => a.data[0]! - b.data[0]!);
    // The client goes, the way a closed tab does: the server hears of that link only.
    const leftServer = firstValueFrom(server.closed$);
    client.close();
    expect(addressKey(await leftServer)).toBe(addressKey(fromClient!.address));
    expect(server.peers).toBe(1);
    // The server goes: the other client hears of its link to it.
    const leftClient = firstValueFrom(other.closed$);
    server.close();
    expect(addressKey(await leftClient)).toBe(addressKey(target));
    other.close();
  });

  it('says on closed$ when a link could not open: nothing listens there', async () => {
    const server = await listenWebSocket();
    const port = server.address.port;
    server.close();
    const client = webSocketClientTransport({ WebSocket });
    const closed = firstValueFrom(client.closed$);
    client.send({ data: Uint8Array.of(1), address: { host: '127.0.0.1', port } });
    expect(await closed).toEqual({ host: '127.0.0.1', port });
    client.close();
  });

  it('sends what was sent while its socket connected, though closed at once after', async () => {
    const server = await listenWebSocket();
    const client = webSocketClientTransport({ WebSocket });
    try {
      const target = { host: '127.0.0.1', port: server.address.port };
      const arriving = firstValueFrom(server.datagrams$.pipe(take(2), toArray()));
      // A farewell said as a page closes: sent, and the transport closed, before the socket opened.
      client.send({ data: Uint8Array.of(1), address: target });
      client.send({ data: Uint8Array.of(2), address: target });
      client.close();
      expect((await arriving).map(({ data }) => data[0])).toEqual([1, 2]);
      expect(client.dropped).toBe(0);
    } finally {
      server.close();
    }
  });

  it('completes its datagrams when closed', async () => {
    const server = await listenWebSocket();
    const client = webSocketClientTransport({ WebSocket });
    const serverDone = firstValueFrom(server.datagrams$.pipe(toArray()));
    const clientDone = firstValueFrom(client.datagrams$.pipe(toArray()));
    client.close();
    server.close();
    expect(await serverDone).toEqual([]);
    expect(await clientDone).toEqual([]);
    client.send({ data: Uint8Array.of(1), address: server.address });
  });

  it('rejects when the port is taken', async () => {
    const server = await listenWebSocket();
    try {
      await expect(listenWebSocket({ port: server.address.port })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      server.close();
    }
  });

  it('throws a TypeError without a WebSocket class where there is no global one', () => {
    expect(() => webSocketClientTransport()).toThrow(TypeError);
  });
});
