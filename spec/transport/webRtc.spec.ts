import { createServer, request as httpRequest } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Subject,
  VirtualAction,
  VirtualTimeScheduler,
  filter,
  firstValueFrom,
  lastValueFrom,
  timeout,
} from 'rxjs';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { WebSocket } from 'ws';
import { Backend } from '../../lib/backend/backend';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { Client } from '../../lib/client/client';
import { createGameState } from '../../lib/state/gameState';
import type { GameState } from '../../lib/state/gameState';
import type { Transport } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import { mergeTransports } from '../../lib/transport/mergeTransports';
import type {
  PeerConnectionConstructor,
  WebRtcClientTransport,
} from '../../lib/transport/webRtcClient';
import { webRtcClientTransport } from '../../lib/transport/webRtcClient';
import { listenWebRtc } from '../../lib/transport/webRtcServer';
import { webSocketClientTransport } from '../../lib/transport/webSocketClient';
import { listenWebSocket } from '../../lib/transport/webSocketServer';

type Tally = GameState<{ count: number }>;

const WAIT_MS = 10_000;
jest.setTimeout(30_000);

/**
 * A game served over data channels and WebSockets on one HTTP port of 127.0.0.1 (the data
 * channels' signaling too, unless `signaling` is false), and a client whose links open a data
 * channel first (node-datachannel's W3C polyfill standing in for a browser's), WebSocket after.
 */
async function served({ signaling = true, reconnectGraceMs = 0 } = {}) {
  const rtc = await listenWebRtc({ host: '127.0.0.1' });
  const http: HttpServer = createServer((request, response) => {
    if (signaling && rtc.handle(request, response)) return;
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const backend = new Backend<Tally>(
    createGameState({ count: 0 }) as Tally,
    () => ({}),
    { ADD: ({ n }, { gameState }) => ({ count: gameState.count + (n as number) }) },
    {
      bind: async () => mergeTransports(await listenWebSocket({ server: http }), rtc),
      reconnectGraceMs,
    },
  );
  await backend.run('127.0.0.1', 0);
  const transports: WebRtcClientTransport[] = [];
  const client = new Client<Tally>({
    bind: async () => {
      const transport = webRtcClientTransport({
        RTCPeerConnection: RTCPeerConnection as unknown as PeerConnectionConstructor,
        fallback: (): Transport => webSocketClientTransport({ WebSocket }),
      });
      transports.push(transport);
      return transport;
    },
  });
  const stop = async (): Promise<void> => {
    await client.disconnect();
    await backend.shutdown();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return { rtc, port, backend, client, transports, stop };
}

const server = { host: '127.0.0.1' };

describe('WebRTC data channels', () => {
  it('carry a client’s game: the handshake, its events and the state', async () => {
    const { rtc, port, backend, client, transports, stop } = await served();
    try {
      await client.connect(port, '127.0.0.1', WAIT_MS);
      expect(transports[0]?.via({ ...server, port })).toBe('data channel');
      expect(rtc.peers).toBe(1);
      await lastValueFrom(client.dispatchEvent('ADD', { n: 2 }, { retries: 3 }), {
        defaultValue: 0,
      });
      await client.waitUntil((state) => state.count === 2, WAIT_MS);
      const [key] = [...backend.server.connections.keys()];
      expect(key).toMatch(/^rtc:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await stop();
    }
    expect(rtc.peers).toBe(0);
  });

  it('take a client’s leaving at once, where the server would hold a dropped one', async () => {
    const { backend, client, port, stop } = await served({ reconnectGraceMs: 10_000 });
    try {
      await client.connect(port, '127.0.0.1', WAIT_MS);
      const dropped: unknown[] = [];
      backend.server.dropped$.subscribe((drop) => dropped.push(drop));
      const gone = firstValueFrom(backend.server.disconnected$.pipe(timeout(WAIT_MS)));
      await client.disconnect();
      expect((await gone).reason).toBe('disconnected');
      expect(dropped).toEqual([]);
    } finally {
      await stop();
    }
  });

  it('answer signaling requests that are not offers with an error, never a throw', async () => {
    const { port, stop } = await served();
    const ask = (path: string, body?: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST' },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    try {
      expect(await ask('/rxgase/rtc', 'not json')).toBe(400);
      expect(await ask('/rxgase/rtc', JSON.stringify({ sdp: 'not an offer' }))).toBe(400);
      expect(await ask('/rxgase/rtc', 'x'.repeat(70_000))).toBe(413);
      expect(await ask('/rxgase/rtc')).toBe(405);
      // A target URL cannot parse is not the signaling path: the page's server answers it.
      expect(await ask('http://a:b:c/x')).toBe(404);
    } finally {
      await stop();
    }
  });

  it('fall back to WebSocket, chosen by themselves, where the server signals none', async () => {
    const { port, backend, client, transports, stop } = await served({ signaling: false });
    try {
      await client.connect(port, '127.0.0.1', WAIT_MS);
      expect(transports[0]?.via({ ...server, port })).toBe('fallback');
      const [key] = [...backend.server.connections.keys()];
      expect(key).toMatch(/^ws:\/\//);
      await lastValueFrom(client.dispatchEvent('ADD', { n: 1 }, { retries: 3 }), {
        defaultValue: 0,
      });
      await client.waitUntil((state) => state.count === 1, WAIT_MS);
    } finally {
      await stop();
    }
  });

  it('say a closed channel at once, and the client comes back over a new one', async () => {
    const { rtc, port, backend, client, transports, stop } = await served({
      reconnectGraceMs: 10_000,
    });
    try {
      await client.connect(port, '127.0.0.1', WAIT_MS);
      const reconnected = firstValueFrom(backend.server.reconnected$.pipe(timeout(WAIT_MS)));
      const dropped = firstValueFrom(backend.server.dropped$.pipe(timeout(WAIT_MS)));
      // The link goes, as a network that drops it would: both ends see it close.
      const [peer] = [...backend.server.connections.values()];
      expect(rtc.closeLink(peer!.remote)).toBe(true);
      expect((await dropped).reason).toBe('disconnected');
      const back = await reconnected;
      expect(back.client.scheme).toBe('rtc');
      expect(transports[1]?.via({ ...server, port })).toBe('data channel');
      await firstValueFrom(client.status$.pipe(filter((status) => status === 'connected')));
    } finally {
      await stop();
    }
  });
});

describe('a WebRTC client transport falling back', () => {
  it('tells on errors$ what its fallback reports, and completes them as it closes', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const network = new MemoryNetwork(scheduler);
    const reported = new Subject<Error>();
    const transport = webRtcClientTransport({
      // No WebRTC here: the fallback takes every link.
      RTCPeerConnection: undefined,
      fallback: () => ({ ...network.bind({ host: 'me', scheme: 'ws' }), errors$: reported }),
      scheduler,
    });
    const told: Error[] = [];
    let completed = false;
    transport.errors$?.subscribe({
      next: (error) => told.push(error),
      complete: () => (completed = true),
    });
    transport.send({
      data: Uint8Array.of(1),
      address: { host: 'server', port: 8000, scheme: 'ws' },
    });
    scheduler.flush();
    const closed = new Error('the WebSocket to server:8000 closed');
    reported.next(closed);
    expect(told).toEqual([closed]);
    transport.close();
    expect(completed).toBe(true);
  });
});

describe('listenWebRtc with options that are none', () => {
  it.each([
    ['a port range backwards', { portRange: [5000, 4000] }, /^portRange must be/],
    ['an open timeout below 0', { openTimeoutMs: -5 }, /^openTimeoutMs must be/],
    ['a buffer limit of NaN', { bufferLimit: NaN }, /^bufferLimit must be/],
    ['a path not from the root', { path: 'rtc' }, /^path must be a string starting with \//],
    ['ICE servers as one string', { iceServers: 'stun:x' }, /^iceServers must be an array/],
    ['no options at all', null, /^the options must be an object/],
  ])('refuses %s, naming it', async (_what, options, why) => {
    const error = await listenWebRtc(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(why);
  });
});
