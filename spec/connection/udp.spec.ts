import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import type { Connection } from '../../lib/connection/connection';
import { ConnectionStatus } from '../../lib/connection/connection';
import { connectTo } from '../../lib/connection/connectTo';
import { plainPackages } from '../../lib/connection/packageCodec';
import type { Transport } from '../../lib/transport/datagram';
import { bindUdp } from '../../lib/transport/udpTransport';

/** A connection from one UDP socket to another, on real timers. */
function connect(self: Transport, peer: Transport): Connection {
  return connectTo(self, peer.address, { codec: plainPackages });
}

describe('two connections over real UDP on 127.0.0.1', () => {
  let a: Transport;
  let b: Transport;
  let ab: Connection;
  let ba: Connection;

  beforeEach(async () => {
    [a, b] = await Promise.all([bindUdp(), bindUdp()]);
    ab = connect(a, b);
    ba = connect(b, a);
  });

  afterEach(() => {
    ab.close();
    ba.close();
    a.close();
    b.close();
  });

  it('connect, and carry an event with its ack', async () => {
    const arrived = firstValueFrom(ba.events$);
    const connected = firstValueFrom(
      ab.status$.pipe(filter((s) => s === ConnectionStatus.Connected)),
    );
    ab.open();
    ba.open();
    await connected;
    const acked = lastValueFrom(
      ab.dispatchEvent({ type: 'JOIN', args: ['ann'], kwargs: { team: 2 } }, { retries: 3 }),
      { defaultValue: 'acked' },
    );
    expect(await arrived).toEqual({ type: 'JOIN', args: ['ann'], kwargs: { team: 2 } });
    expect(await acked).toBe('acked');
    expect(ab.stats.acked).toBeGreaterThan(0);
    expect(ba.stats.eventsIn).toBe(1);
  });

  it('measure the latency of the link from the acks', async () => {
    ab.open();
    ba.open();
    const latency = await firstValueFrom(ab.latency$.pipe(filter((ms) => ms > 0)));
    expect(latency).toBeLessThan(1000);
  });

  it('go Disconnected when closed, failing what was not acked', async () => {
    ab.open();
    const statuses: ConnectionStatus[] = [];
    ab.status$.subscribe((s) => statuses.push(s));
    const outcome = lastValueFrom(ab.dispatchEvent({ type: 'LOST', args: [], kwargs: {} }));
    ab.close();
    await expect(outcome).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    expect(statuses).toEqual([ConnectionStatus.Connecting, ConnectionStatus.Disconnected]);
  });
});
