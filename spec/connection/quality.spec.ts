import { VirtualAction, VirtualTimeScheduler, map } from 'rxjs';
import { Connection } from '../../lib/connection/connection';
import { plainPackages } from '../../lib/connection/packageCodec';
import type { Quality } from '../../lib/operators/avoidCongestion';
import type { Transport } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import { simulateNetwork } from '../../lib/transport/simulateNetwork';

describe("a connection's quality", () => {
  it('goes bad past 250 ms of latency and says so on currentQuality as on quality$', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const network = new MemoryNetwork(scheduler);
    const a = network.bind({ host: 'a', port: 1 });
    const b = network.bind({ host: 'b', port: 2 });
    // 200 ms each way: round trips of 400.
    const connect = (self: Transport, peer: Transport): Connection =>
      new Connection({
        remote: peer.address,
        incoming$: self.datagrams$.pipe(
          simulateNetwork({ latencyMs: 200 }, scheduler),
          map((datagram) => datagram.data),
        ),
        send: (data) => self.send({ data, address: peer.address }),
        codec: plainPackages,
        scheduler,
      }).open();
    const near = connect(a, b);
    const far = connect(b, a);
    const seen: Quality[] = [];
    near.quality$.subscribe((quality) => seen.push(quality));
    expect(near.currentQuality).toBe('good');
    scheduler.schedule(() => {
      near.close();
      far.close();
    }, 10_000);
    let badAt: number | undefined;
    scheduler.schedule(function check() {
      if (near.currentQuality === 'bad' && badAt === undefined) badAt = scheduler.now();
      if (scheduler.now() < 9_000) this.schedule(undefined, 100);
    }, 100);
    scheduler.flush();
    expect(seen).toEqual(['good', 'bad']);
    expect(badAt).toBeDefined();
  });
});
