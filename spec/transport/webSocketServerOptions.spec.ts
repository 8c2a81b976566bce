import { InvalidArgumentError } from '../../lib/protocol/errors';
import { listenWebSocket } from '../../lib/transport/webSocketServer';
import {
  DEFAULT_MAX_WEBSOCKETS_PER_ADDRESS,
  DEFAULT_WEBSOCKET_BUFFER_LIMIT,
  DEFAULT_WEBSOCKET_HANDSHAKE_TIMEOUT,
  DEFAULT_WEBSOCKET_HEARTBEAT_INTERVAL,
  resolveWebSocketServerOptions,
} from '../../lib/transport/webSocketServerOptions';
import type { WebSocketServerOptions } from '../../lib/transport/webSocketServerOptions';

describe("listenWebSocket's options", () => {
  it('fills in the defaults', () => {
    expect(resolveWebSocketServerOptions({})).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      bufferLimit: DEFAULT_WEBSOCKET_BUFFER_LIMIT,
      handshakeTimeout: DEFAULT_WEBSOCKET_HANDSHAKE_TIMEOUT,
      heartbeatInterval: DEFAULT_WEBSOCKET_HEARTBEAT_INTERVAL,
      maxSocketsPerAddress: DEFAULT_MAX_WEBSOCKETS_PER_ADDRESS,
    });
    expect([
      DEFAULT_WEBSOCKET_BUFFER_LIMIT,
      DEFAULT_WEBSOCKET_HANDSHAKE_TIMEOUT,
      DEFAULT_WEBSOCKET_HEARTBEAT_INTERVAL,
      DEFAULT_MAX_WEBSOCKETS_PER_ADDRESS,
    ]).toEqual([256 * 1024, 5000, 10_000, 32]);
  });

  const refused: [string, WebSocketServerOptions][] = [
    ['a port out of range', { port: 70_000 }],
    ['a host with a port in it', { host: 'localhost:8080' }],
    ['a path without its slash', { path: 'game' }],
    ['a server that is not one', { server: 'http' as never }],
    ['a buffer limit of 0', { bufferLimit: 0 }],
    ['a buffer limit that is NaN', { bufferLimit: Number.NaN }],
    ['a handshake timeout that is negative', { handshakeTimeout: -1 }],
    ['a handshake timeout given as a string', { handshakeTimeout: '5000' as never }],
    ['a heartbeat interval of Infinity', { heartbeatInterval: Number.POSITIVE_INFINITY }],
    ['a cap per address of 1.5', { maxSocketsPerAddress: 1.5 }],
    ['a cap per address of 0', { maxSocketsPerAddress: 0 }],
    ['a scheduler that is not one', { scheduler: {} as never }],
    ['a logger without warn', { logger: { debug() {}, info() {}, error() {} } as never }],
  ];

  it.each(refused)('refuses %s at the call, listening on nothing', async (_what, options) => {
    await expect(listenWebSocket(options)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(listenWebSocket(options)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('names the option refused', () => {
    expect(() => resolveWebSocketServerOptions({ handshakeTimeout: 0 })).toThrow(
      /handshakeTimeout/,
    );
    expect(() => resolveWebSocketServerOptions({ maxSocketsPerAddress: -2 })).toThrow(
      /maxSocketsPerAddress/,
    );
  });
});
