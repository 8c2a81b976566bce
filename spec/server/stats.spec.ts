import type { ConnectionStats } from '../../lib/connection/stats';
import type { ServerStats } from '../../lib/server/serverStats';
import { createGameState } from '../../lib/state/gameState';
import { TestWorld } from '../../lib/testing/index';

describe('stats as streams', () => {
  it("emit the server's and a connection's counts every period, and end when they do", async () => {
    const world = await TestWorld.start({ initialState: createGameState({}) });
    const { server } = world;
    const serverStats: ServerStats[] = [];
    let serverDone = false;
    server.stats$(1000).subscribe({
      next: (stats) => serverStats.push(stats),
      complete: () => (serverDone = true),
    });
    const ann = await world.connect('ann');
    const connectionStats: ConnectionStats[] = [];
    let connectionDone = false;
    ann.connection?.stats$(500).subscribe({
      next: (stats) => connectionStats.push(stats),
      complete: () => (connectionDone = true),
    });
    await world.advance(2000);
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
    await world.shutdown();
    expect(serverDone).toBe(true);
    await world.advance(3000);
    expect(serverStats.length).toBe(emitted);
  });
});
