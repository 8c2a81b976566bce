import { Subscription, firstValueFrom, repeat, take, toArray } from 'rxjs';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { bindUdp } from '../../lib/transport/udpTransport';

// The native socket is Linux's; elsewhere bindUdp takes node:dgram, and only it is specified.
const sockets =
  process.platform === 'linux' ? (['native', 'dgram'] as const) : (['dgram'] as const);

describe.each(sockets)('bindUdp on the %s socket, over real UDP on 127.0.0.1', (socket) => {
  it('binds a port the system chooses, and carries datagrams both ways', async () => {
    const a = await bindUdp({ socket });
    const b = await bindUdp({ port: 0, host: '127.0.0.1', socket });
    try {
      expect(a.address.host).toBe('127.0.0.1');
      expect(a.address.port).toBeGreaterThan(0);
      expect(a.address.port).not.toBe(b.address.port);
      const arriving = firstValueFrom(b.datagrams$);
      a.send({ data: Uint8Array.of(1, 2, 3), address: b.address });
      const datagram = await arriving;
      expect(Array.from(datagram.data)).toEqual([1, 2, 3]);
      expect(datagram.address).toEqual(a.address);
    } finally {
      a.close();
      b.close();
    }
  });

  it('sends to a host name as to an IP address, looking the name up', async () => {
    const a = await bindUdp({ host: 'localhost', socket });
    const b = await bindUdp({ socket });
    try {
      const arriving = firstValueFrom(b.datagrams$.pipe(take(2), toArray()));
      a.send({ data: Uint8Array.of(1), address: { host: 'localhost', port: b.address.port } });
      a.send({ data: Uint8Array.of(2), address: b.address });
      // The name's lookup takes a while: the datagram to the IP address may arrive first.
      expect((await arriving).map((d) => d.data[0]).sort()).toEqual([1, 2]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('sends to no host as to the loopback, and reports a host that is no string, as node:dgram does', async () => {
    const a = await bindUdp({ socket });
    const b = await bindUdp({ socket });
    const errors: Error[] = [];
    a.errors$?.subscribe((error) => errors.push(error));
    let completed = false;
    a.datagrams$.subscribe({ complete: () => (completed = true) });
    try {
      const arriving = firstValueFrom(b.datagrams$);
      a.send({ data: Uint8Array.of(7), address: { host: '', port: b.address.port } });
      expect(Array.from((await arriving).data)).toEqual([7]);
      a.send({ data: Uint8Array.of(8), address: { host: 123 as never, port: b.address.port } });
      expect(errors).toEqual([expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' })]);
    } finally {
      a.close();
      b.close();
    }
    // Closing still closes: nothing is left waiting.
    await new Promise((resolve) => setImmediate(resolve));
    expect(completed).toBe(true);
  });

  it('delivers many datagrams in a burst', async () => {
    const a = await bindUdp({ socket });
    const b = await bindUdp({ socket });
    try {
      const arriving = firstValueFrom(b.datagrams$.pipe(take(500), toArray()));
      for (let i = 0; i < 500; i++)
        a.send({ data: Uint8Array.of(i & 0xff, i >> 8), address: b.address });
      expect(await arriving).toHaveLength(500);
    } finally {
      a.close();
      b.close();
    }
  });

  it('hands each datagram once to those listening as it came, however they subscribe again', async () => {
    const a = await bindUdp({ socket });
    const b = await bindUdp({ socket });
    const listening = new Subscription();
    try {
      const seen: number[] = [];
      const later: number[] = [];
      const all = new Promise<void>((resolve) => {
        // Subscribes again within each delivery: it gets the next datagram, not the same one.
        const again = b.datagrams$.pipe(take(1), repeat()).subscribe(({ data }) => {
          seen.push(data[0] as number);
          // One subscribed while the first is handed out gets the ones after it.
          if (seen.length === 1) {
            listening.add(b.datagrams$.subscribe(({ data: d }) => later.push(d[0] as number)));
          }
          if (seen.length === 3) resolve();
          // Handed the same datagram again and again: stopped, for the expectation to say so.
          if (seen.length > 10) {
            listening.unsubscribe();
            resolve();
          }
        });
        listening.add(again);
      });
      for (const n of [1, 2, 3]) a.send({ data: Uint8Array.of(n), address: b.address });
      await all;
      expect(seen.sort()).toEqual([1, 2, 3]);
      expect(later.sort()).toEqual([2, 3]);
    } finally {
      // Before the close: repeat() would subscribe again to the completed datagrams for ever.
      listening.unsubscribe();
      a.close();
      b.close();
    }
  });

  it('completes the datagrams when closed, and frees the port', async () => {
    const a = await bindUdp({ socket });
    const done = firstValueFrom(a.datagrams$.pipe(toArray()));
    a.close();
    expect(await done).toEqual([]);
    expect(await firstValueFrom(a.datagrams$.pipe(toArray()))).toEqual([]);
    a.send({ data: Uint8Array.of(1), address: a.address });
    const again = await bindUdp({ port: a.address.port, socket });
    again.close();
  });

  it('rejects when the port is taken', async () => {
    const a = await bindUdp({ socket });
    try {
      await expect(bindUdp({ port: a.address.port, socket })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      a.close();
    }
  });

  it('reports a send the system refuses on errors$, and goes on', async () => {
    const a = await bindUdp({ socket });
    try {
      const errors: Error[] = [];
      a.errors$.subscribe((error) => errors.push(error));
      a.send({ data: Uint8Array.of(1), address: { host: '127.0.0.1', port: 0 } });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'ERR_SOCKET_BAD_PORT' });
      const arriving = firstValueFrom(a.datagrams$);
      a.send({ data: Uint8Array.of(2), address: a.address });
      expect(Array.from((await arriving).data)).toEqual([2]);
    } finally {
      a.close();
    }
  });
});

describe('bindUdp with what is no socket', () => {
  it.each([
    ['a port past 65535', { port: 70_000 }, /port/],
    ['a negative port', { port: -1 }, /port/],
    ['a fractional port', { port: 1.5 }, /port/],
    ['no host', { host: '' }, /hostname/],
    ['a type that is no UDP', { type: 'tcp' }, /^type must be udp4 or udp6, got tcp$/],
    [
      'a socket of no kind',
      { socket: 'bogus' },
      /^socket must be auto, native or dgram, got bogus$/,
    ],
  ])('refuses %s, and binds nothing', async (_what, options, why) => {
    const error = await bindUdp(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(why);
  });
});
