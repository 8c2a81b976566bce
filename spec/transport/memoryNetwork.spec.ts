import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { Datagram } from '../../lib/transport/datagram';
import { addressKey } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';

describe('MemoryNetwork', () => {
  const setup = () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    return { scheduler, network: new MemoryNetwork(scheduler) };
  };

  it('delivers a datagram on the scheduler, with the sender as its address', () => {
    const { scheduler, network } = setup();
    const a = network.bind({ host: 'a', port: 1 });
    const b = network.bind({ host: 'b', port: 2 });
    const received: Datagram[] = [];
    b.datagrams$.subscribe((d) => received.push(d));
    a.send({ data: Uint8Array.of(7), address: b.address });
    expect(received).toEqual([]);
    scheduler.flush();
    expect(received).toEqual([{ data: Uint8Array.of(7), address: { host: 'a', port: 1 } }]);
  });

  it('delivers a copy: the sender may reuse its buffer', () => {
    const { scheduler, network } = setup();
    const a = network.bind();
    const b = network.bind();
    const received: Uint8Array[] = [];
    b.datagrams$.subscribe((d) => received.push(d.data));
    const buffer = Uint8Array.of(1);
    a.send({ data: buffer, address: b.address });
    buffer[0] = 2;
    scheduler.flush();
    expect(received).toEqual([Uint8Array.of(1)]);
  });

  it('gives each endpoint a free port, and refuses a taken address', () => {
    const { network } = setup();
    const a = network.bind();
    const b = network.bind();
    expect(a.address.port).not.toBe(b.address.port);
    expect(() => network.bind(a.address)).toThrow(/taken/);
  });

  it('drops datagrams to nobody, and those sent by or to a closed endpoint', () => {
    const { scheduler, network } = setup();
    const a = network.bind();
    const b = network.bind();
    const received: Datagram[] = [];
    let completed = false;
    b.datagrams$.subscribe({ next: (d) => received.push(d), complete: () => (completed = true) });
    a.send({ data: Uint8Array.of(1), address: { host: 'nowhere', port: 9 } });
    a.send({ data: Uint8Array.of(2), address: b.address });
    b.close();
    expect(completed).toBe(true);
    scheduler.flush();
    a.close();
    a.send({ data: Uint8Array.of(3), address: b.address });
    scheduler.flush();
    expect(received).toEqual([]);
    expect(() => network.bind(b.address)).not.toThrow();
  });

  it('does not let a closed endpoint send as whoever binds its address next', () => {
    const { scheduler, network } = setup();
    const old = network.bind({ host: 'a', port: 1 });
    const b = network.bind({ host: 'b', port: 2 });
    const received: Datagram[] = [];
    b.datagrams$.subscribe((d) => received.push(d));
    old.close();
    network.bind({ host: 'a', port: 1 });
    old.send({ data: Uint8Array.of(1), address: b.address });
    scheduler.flush();
    expect(received).toEqual([]);
  });

  it('names addresses as keys, IPv6 in brackets', () => {
    expect(addressKey({ host: '127.0.0.1', port: 80 })).toBe('127.0.0.1:80');
    expect(addressKey({ host: '::1', port: 80 })).toBe('[::1]:80');
  });
});
