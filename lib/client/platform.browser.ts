import type { Transport } from '../transport/datagram';
import { webSocketClientTransport } from '../transport/webSocketClient';

/*
 * What a Client uses unless told otherwise, in the browser, which cannot send UDP: a WebSocket
 * (the browser's own), and the hostname as it is, which the browser resolves.
 */

/** Opens a client's transport: WebSockets over the browser's `WebSocket`. */
export function bindClientTransport(): Promise<Transport> {
  return Promise.resolve(webSocketClientTransport());
}

/** The hostname as it is: the browser resolves it when the WebSocket opens. */
export function resolveHostname(hostname: string): Promise<string> {
  return Promise.resolve(hostname);
}
