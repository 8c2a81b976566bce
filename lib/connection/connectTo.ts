import { filter, map } from 'rxjs';
import type { Package } from '../protocol/packages';
import type { Address, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import type { ConnectionOptions } from './connection';
import { Connection } from './connection';

/**
 * A connection to one peer over a transport of its own: it takes the datagrams that come from
 * `remote`, and only those, and sends to `remote`. Not opened yet.
 *
 * ## Example
 * ```ts
 * const transport = await bindUdp();
 * const connection = connectTo(transport, { host: '127.0.0.1', port: 8080 }, { codec: plainPackages }).open();
 * ```
 *
 * @category Protocol
 */
export function connectTo<P extends Package>(
  transport: Transport,
  remote: Address,
  options: Omit<ConnectionOptions<P>, 'remote' | 'incoming$' | 'send'>,
): Connection<P> {
  const from = addressKey(remote);
  return new Connection<P>({
    ...options,
    remote,
    incoming$: transport.datagrams$.pipe(
      filter(({ address }) => addressKey(address) === from),
      map(({ data }) => data),
    ),
    send: (data) => transport.send({ data, address: remote }),
  });
}
