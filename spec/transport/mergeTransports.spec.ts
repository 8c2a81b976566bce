import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { Datagram } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import { mergeTransports } from '../../lib/transport/mergeTransports';

describe('mergeTransports', () => {
  const setup = () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const network = new MemoryNetwork(scheduler);
    const udp = network.bind({ host: 'server', port: 1 });
    const ws = network.bind({ host: 'server', port: 2, scheme: 'ws' });
    const merged = mergeTransports(udp, ws);
    const udpPeer = network.bind({ host: 'peer', port: 9 });
    // The same host and port as the UDP peer: only the scheme tells them apart.
    const wsPeer = network.bind({ host: 'peer', port: 9, scheme: 'ws' });
    return { scheduler, udp, ws, merged, udpPeer, wsPeer };
  };

  it('takes datagrams from every transport, with their senders', () => {
    const { scheduler, udp, ws, merged, udpPeer, wsPeer } = setup();
    const received: Datagram[] = [];
    merged.datagrams$.subscribe((datagram) => received.push(datagram));
    udpPeer.send({ data: Uint8Array.of(1), address: udp.address });
    wsPeer.send({ data: Uint8Array.of(2), address: ws.address });
    scheduler.flush();
    expect(received).toEqual([
      { data: Uint8Array.of(1), address: { host: 'peer', port: 9 } },
      { data: Uint8Array.of(2), address: { host: 'peer', port: 9, scheme: 'ws' } },
    ]);
  });

  it("sends each datagram on the transport of its target's scheme", () => {
    const { scheduler, merged, udpPeer, wsPeer } = setup();
    const atUdp: Datagram[] = [];
    const atWs: Datagram[] = [];
    udpPeer.datagrams$.subscribe((datagram) => atUdp.push(datagram));
    wsPeer.datagrams$.subscribe((datagram) => atWs.push(datagram));
    merged.send({ data: Uint8Array.of(3), address: udpPeer.address });
    merged.send({ data: Uint8Array.of(4), address: wsPeer.address });
    merged.send({ data: Uint8Array.of(5), address: { host: 'peer', port: 9, scheme: 'wss' } });
    scheduler.flush();
    expect(atUdp).toEqual([{ data: Uint8Array.of(3), address: { host: 'server', port: 1 } }]);
    expect(atWs).toEqual([
      { data: Uint8Array.of(4), address: { host: 'server', port: 2, scheme: 'ws' } },
    ]);
  });

  it("gives the first transport's address, and the transports", () => {
    const { udp, ws, merged } = setup();
    expect(merged.address).toBe(udp.address);
    expect(merged.transports).toEqual([udp, ws]);
  });

  it('closes every transport, and completes when all are closed', () => {
    const { scheduler, merged, udpPeer, wsPeer, udp } = setup();
    let completed = false;
    const received: Datagram[] = [];
    merged.datagrams$.subscribe({
      next: (datagram) => received.push(datagram),
      complete: () => (completed = true),
    });
    merged.close();
    expect(completed).toBe(true);
    udpPeer.send({ data: Uint8Array.of(1), address: udp.address });
    wsPeer.send({ data: Uint8Array.of(2), address: { host: 'server', port: 2, scheme: 'ws' } });
    scheduler.flush();
    expect(received).toEqual([]);
  });
  it('tells on errors$ what any of its transports reports', () => {
    const { udp, ws } = setup();
    const udpErrors = new Subject<Error>();
    const wsErrors = new Subject<Error>();
    const merged = mergeTransports({ ...udp, errors$: udpErrors }, { ...ws, errors$: wsErrors });
    const told: Error[] = [];
    merged.errors$?.subscribe((error) => told.push(error));
    const [refused, failed] = [new Error('send EACCES'), new Error('socket failed')];
    udpErrors.next(refused);
    wsErrors.next(failed);
    expect(told).toEqual([refused, failed]);
  });
});
