import { createSocket } from 'node:dgram';
import { filter, firstValueFrom, interval, lastValueFrom, timeout, toArray } from 'rxjs';
import { Client } from '../../lib/client/client';
import { answerDiscovery } from '../../lib/discovery/answerDiscovery';
import type { DiscoveryResponder } from '../../lib/discovery/answerDiscovery';
import { discover } from '../../lib/discovery/discover';
import {
  DISCOVERY_GROUP,
  encodeDiscoveryAnswer,
  encodeDiscoveryRequest,
} from '../../lib/discovery/discoveryCodec';

/** LAN discovery, on the loopback interface only: by multicast and by broadcast. */
describe('LAN discovery on 127.0.0.1', () => {
  const responders: DiscoveryResponder[] = [];
  afterEach(() => {
    for (const responder of responders.splice(0)) responder.close();
  });

  const respond = async (
    ...args: Parameters<typeof answerDiscovery>
  ): Promise<DiscoveryResponder> => {
    const responder = await answerDiscovery(...args);
    responders.push(responder);
    return responder;
  };

  it('finds every server in the multicast group, each once, then completes', async () => {
    const first = await respond({
      info: { name: 'chase', port: 8080, webSocketPort: 8000 },
      port: 0,
      multicastInterface: '127.0.0.1',
    });
    expect(first.multicast).toBe(true);
    // A second server on the same machine shares the discovery port.
    let clients = 0;
    await respond({
      info: () => ({ name: 'quickstart', port: 9090, clients: ++clients }),
      port: first.address.port,
      multicastInterface: '127.0.0.1',
    });
    const found = await lastValueFrom(
      discover({
        port: first.address.port,
        address: DISCOVERY_GROUP,
        multicastInterface: '127.0.0.1',
        timeoutMs: 600,
        intervalMs: 100,
      }).pipe(toArray()),
    );
    expect(found.sort((a, b) => a.port - b.port)).toEqual([
      { name: 'chase', port: 8080, webSocketPort: 8000, host: '127.0.0.1' },
      { name: 'quickstart', port: 9090, clients: expect.any(Number), host: '127.0.0.1' },
    ]);
    // Asked several times, answered each time, listed once.
    expect(first.answered).toBeGreaterThan(1);
  });

  it('finds a server by broadcast on the loopback network', async () => {
    const responder = await respond({ info: { name: 'lan', port: 7000 }, port: 0, group: null });
    expect(responder.multicast).toBe(false);
    const server = await firstValueFrom(
      discover({ port: responder.address.port, address: '127.255.255.255', timeoutMs: 5000 }),
    );
    expect(server).toEqual({ name: 'lan', port: 7000, host: '127.0.0.1' });
  });

  it('is what Client.discover lists', async () => {
    const responder = await respond({ info: { name: 'c', port: 6000 }, port: 0, group: null });
    const server = await firstValueFrom(
      Client.discover({ port: responder.address.port, address: '127.0.0.1', timeoutMs: 5000 }),
    );
    expect(server).toMatchObject({ name: 'c', port: 6000 });
  });

  it('completes with nothing when nobody answers', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const found = await lastValueFrom(
        discover({ port: silent.address().port, address: '127.0.0.1', timeoutMs: 200 }).pipe(
          toArray(),
        ),
      );
      expect(found).toEqual([]);
    } finally {
      silent.close();
    }
  });

  it('drops and counts datagrams that are not requests, and answers the next', async () => {
    const responder = await respond({ info: { name: 'x', port: 5000 }, port: 0, group: null });
    const sender = createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    try {
      // Once sent, the garbage is in the responder's queue, ahead of any request after it.
      await new Promise((resolve) =>
        sender.send(Uint8Array.of(1, 2, 3), responder.address.port, '127.0.0.1', resolve),
      );
      const server = await firstValueFrom(
        discover({ port: responder.address.port, address: '127.0.0.1', timeoutMs: 5000 }),
      );
      expect(server).toMatchObject({ name: 'x' });
      expect(responder.dropped).toBe(1);
    } finally {
      sender.close();
    }
  });

  it('answers no request with more bytes than it carried: a short one is left unanswered and counted', async () => {
    const info = { name: 'x'.repeat(200), port: 5000 };
    const responder = await respond({ info, port: 0, group: null });
    const answerSize = encodeDiscoveryAnswer(info).length;
    const sender = createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    const back: number[] = [];
    sender.on('message', (data) => back.push(data.length));
    const ask = (data: Uint8Array) =>
      new Promise((resolve) => sender.send(data, responder.address.port, '127.0.0.1', resolve));
    try {
      // An older rxgase's five bytes, and one byte short of the answer: nothing back.
      const request = encodeDiscoveryRequest();
      await ask(request.subarray(0, 5));
      await ask(request.subarray(0, answerSize - 1));
      // Exactly the answer's size, and the padded request: answered, in as many bytes or fewer.
      await ask(request.subarray(0, answerSize));
      await ask(request);
      await firstValueFrom(
        interval(10).pipe(
          filter(() => back.length === 2),
          timeout(5000),
        ),
      );
      expect(back).toEqual([answerSize, answerSize]);
      expect(responder.tooShort).toBe(2);
      expect(responder.answered).toBe(2);
      expect(responder.dropped).toBe(0);
    } finally {
      sender.close();
    }
  });

  it('reports an info function that throws, and goes on', async () => {
    let fail = true;
    const responder = await respond({
      info: () => {
        if (fail) throw new Error('no info yet');
        return { name: 'late', port: 4000 };
      },
      port: 0,
      group: null,
    });
    const reported = firstValueFrom(responder.errors$);
    const found = firstValueFrom(
      discover({
        port: responder.address.port,
        address: '127.0.0.1',
        timeoutMs: 5000,
        intervalMs: 20,
      }),
    );
    expect((await reported).message).toBe('no info yet');
    fail = false;
    expect(await found).toMatchObject({ name: 'late' });
  });
});
