import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import type { DiscoveredServer } from '../discovery/discover';
import { InvalidArgumentError } from '../protocol/errors';
import type { Transport } from '../transport/datagram';
import { webSocketClientTransport } from '../transport/webSocketClient';

/*
 * What a Client uses unless told otherwise, in the browser, which cannot send UDP: a WebSocket
 * (the browser's own), and the hostname as it is, which the browser resolves.
 */

/** Opens a client's transport: WebSockets over the browser's `WebSocket`. */
export async function bindClientTransport(): Promise<Transport> {
  return webSocketClientTransport();
}

/** The hostname as it is: the browser resolves it when the WebSocket opens. */
export function resolveHostname(hostname: string): Promise<string> {
  return Promise.resolve(hostname);
}

/** LAN discovery needs UDP multicast or broadcast, which a browser cannot send. */
export function discoverServers(): Observable<DiscoveredServer> {
  return throwError(
    () => new InvalidArgumentError('LAN discovery needs UDP, which browsers cannot send'),
  );
}
