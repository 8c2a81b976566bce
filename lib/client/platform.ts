import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Transport } from '../transport/datagram';
import { hostNotFound } from '../transport/hostNotFound';
import { bindUdp } from '../transport/udpTransport';

/*
 * What a Client uses unless told otherwise, in Node: UDP, and DNS for hostnames. The browser build
 * swaps this file for platform.browser.ts (see "browser" in package.json), so no Node built-in
 * reaches a browser.
 */

/**
 * Opens a client's transport: a UDP socket on a port the system chooses, read as datagrams come. A
 * client hears a few dozen a second, which reading in rounds would not gather, and each rest would
 * cost a timer and a wake-up.
 */
export function bindClientTransport(): Promise<Transport> {
  return bindUdp({ host: '0.0.0.0', readIntervalMs: 0 });
}

/**
 * Turns a hostname into the IPv4 address datagrams come from.
 *
 * @throws {@link HostNotFoundError} If the name has no IPv4 address, or no DNS server answered.
 */
export async function resolveHostname(hostname: string): Promise<string> {
  if (isIP(hostname) !== 0) return hostname;
  try {
    return (await lookup(hostname, { family: 4 })).address;
  } catch (error) {
    throw hostNotFound(hostname, error);
  }
}

/** Looks for servers on the LAN: {@link discover}. */
export { discover as discoverServers } from '../discovery/discover';
