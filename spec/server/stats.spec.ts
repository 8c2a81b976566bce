import type { ConnectionStats } from '../../lib/connection/stats';
import type { ServerStats } from '../../lib/server/serverStats';
import { world } from '../helpers/world';

describe('stats as streams', () => {
  it("emit the server's and a connection's counts every period, and end when they do", async () => {
    const { server, machine, client, within, pass } = world();
    await server.run(7000, 'server', machine);
    const serverStats: ServerStats[] = [];
    let serverDone = false;
    server.stats$(1000).subscribe({
      next: (stats) => serverStats.push(stats),
      complete: () => (serverDone = true),
    });
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    const connectionStats: ConnectionStats[] = [];
    let connectionDone = false;
    ann.connection?.stats$(500).subscribe({
      next: (stats) => connectionStats.push(stats),
      complete: () => (connectionDone = true),
    });
    await pass(2000);
    // At once, then every period, each count at least the one before.
    expect(connectionStats.length).toBe(5);
    expect(serverStats.length).toBeGreaterThanOrEqual(3);
    for (const [i, stats] of connectionStats.entries()) {
      if (i > 0) expect(stats.datagramsIn).toBeGreaterThan(connectionStats[i - 1]!.datagramsIn);
    }
    expect(serverStats.at(-1)!.datagramsIn).toBeGreaterThan(serverStats[0]!.datagramsIn);
    expect(serverStats.at(-1)!.clients).toBe(1);
    await ann.disconnect();
    expect(connectionDone).toBe(true);
    const emitted = serverStats.length;
    await server.shutdown();
    expect(serverDone).toBe(true);
    await pass(3000);
    expect(serverStats.length).toBe(emitted);
  });
});
