import { AddressKeys } from '../../lib/server/addressKeys';
import { addressKey } from '../../lib/transport/datagram';

describe('AddressKeys', () => {
  it('gives the key addressKey makes, the same string again for the same address', () => {
    const keys = new AddressKeys();
    const first = keys.keyOf({ host: '127.0.0.1', port: 4000 });
    expect(first).toBe('127.0.0.1:4000');
    // A new address object with the same host and port: the key made before.
    expect(keys.keyOf({ host: '127.0.0.1', port: 4000 })).toBe(first);
  });

  it('tells apart hosts on one port, schemes and IPv6 addresses', () => {
    const keys = new AddressKeys();
    const addresses = [
      { host: '127.0.0.1', port: 4000 },
      { host: '10.0.0.2', port: 4000 },
      { host: '127.0.0.1', port: 4000, scheme: 'ws' },
      { host: '::1', port: 4000 },
      { host: '127.0.0.1', port: 4001 },
      { host: '127.0.0.1', port: 4000 },
    ];
    for (const address of addresses) expect(keys.keyOf(address)).toBe(addressKey(address));
    expect(new Set(addresses.map((address) => keys.keyOf(address))).size).toBe(5);
  });

  it('keeps the right key when more hosts than it remembers share a port', () => {
    const keys = new AddressKeys();
    const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'];
    for (let round = 0; round < 3; round++) {
      for (const host of hosts) expect(keys.keyOf({ host, port: 5000 })).toBe(`${host}:5000`);
    }
  });
});
