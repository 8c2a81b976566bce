import { lastValueFrom } from 'rxjs';
import { createGameState } from '../../lib/index';
import type {
  ClientDisconnected,
  ClientDropped,
  ClientReconnected,
  ClientStatus,
  GameState,
  ServerOptions,
} from '../../lib/index';
import { TestWorld } from '../../lib/testing/index';
import { ConnectionClosedError } from '../../lib/protocol/errors';

type Tally = GameState<{ count: number; adds: number }>;

/** A world whose server holds a dropped client for `graceMs`, and what the server reports. */
async function world(serverOptions: Omit<ServerOptions<Tally>, 'scheduler' | 'bind'> = {}) {
  const started = await TestWorld.start({
    initialState: createGameState({ count: 0, adds: 0 }),
    eventHandlers: {
      ADD: ({ n }, { gameState }) => ({
        count: gameState.count + (n as number),
        adds: gameState.adds + 1,
      }),
    },
    serverOptions,
    seed: 3,
  });
  const seen = {
    dropped: [] as ClientDropped[],
    reconnected: [] as ClientReconnected[],
    disconnected: [] as ClientDisconnected[],
  };
  started.server.dropped$.subscribe((d) => seen.dropped.push(d));
  started.server.reconnected$.subscribe((r) => seen.reconnected.push(r));
  started.server.disconnected$.subscribe((d) => seen.disconnected.push(d));
  return { world: started, seen };
}

describe('a client whose link drops', () => {
  it('comes back by itself as the same client, with its state, its place and its events', async () => {
    const { world: w, seen } = await world({ reconnectGraceMs: 20_000 });
    const ann = w.client('ann');
    const statuses: ClientStatus[] = [];
    ann.status$.subscribe((status) => statuses.push(status));
    await w.connect(ann);
    await w.settle(ann.dispatchEvent('ADD', { n: 1 }, { retries: 10 }));
    await w.until(ann, (s) => s.count === 1);
    const before = w.addressOf(ann);
    expect(ann.isHost).toBe(true);

    w.cutLink(ann);
    await w.until(() => ann.currentStatus === 'reconnecting', 6000);
    // Sent while reconnecting: it waits, and goes once the client is back.
    const late = ann.dispatchEvent('ADD', { n: 10 }, { retries: 10 });
    await w.until(() => seen.dropped.length === 1, 1000);
    expect(seen.dropped).toEqual([{ client: before, reason: 'timeout' }]);
    expect(w.server.connections.size).toBe(0);
    expect(w.server.heldClients).toBe(1);
    expect(ann.state.count).toBe(1); // the state stays while away
    // The server's events to her wait for her too.
    const news: unknown[] = [];
    ann.on('NEWS').subscribe(({ kwargs }) => news.push(kwargs));
    const told = lastValueFrom(w.server.dispatchEvent('NEWS', { n: 1 }, { retries: 10 }));

    await w.advance(3000);
    w.restoreLink(ann);
    await w.until(() => ann.currentStatus === 'connected', 5000);
    await w.settle(late);
    await w.until(ann, (s) => s.count === 11);
    expect(w.state.adds).toBe(2); // each event handled once
    expect(await w.settle(told)).toMatchObject({ acked: true });
    expect(news).toEqual([{ n: 1 }]);
    const after = w.addressOf(ann);
    expect(after).not.toEqual(before); // a new socket
    expect(seen.reconnected).toEqual([{ client: after, previous: before }]);
    expect(seen.disconnected).toEqual([]);
    expect(ann.isHost).toBe(true);
    expect(w.server.hostClient).toEqual(after);
    expect(w.server.heldClients).toBe(0);
    expect(statuses).toEqual([
      'disconnected',
      'connecting',
      'connected',
      'reconnecting',
      'connected',
    ]);
    await w.disconnect(ann);
    expect(seen.disconnected).toEqual([{ client: after, reason: 'disconnected' }]);
    await w.shutdown();
  });

  it('is gone once the grace window passes, its queued events failed', async () => {
    const { world: w, seen } = await world({ reconnectGraceMs: 2000 });
    const ann = await w.connect('ann');
    const reasons: string[] = [];
    ann.disconnected$.subscribe((reason) => reasons.push(reason));
    const before = w.addressOf(ann);
    w.cutLink(ann);
    await w.until(() => ann.currentStatus === 'reconnecting', 6000);
    let failure: unknown;
    ann.dispatchEvent('ADD', { n: 1 }, { retries: 10 }).subscribe({ error: (e) => (failure = e) });
    await w.until(() => w.server.heldClients === 1, 1000);
    const told = lastValueFrom(w.server.dispatchEvent('NEWS', {}, { retries: 10 }));
    // The server lets Ann go 2 s after it saw her drop.
    await w.until(() => seen.disconnected.length === 1, 3000);
    expect(seen.disconnected).toEqual([{ client: before, reason: 'timeout' }]);
    expect(w.server.heldClients).toBe(0);
    // What the server sent her while she was held fails with her.
    const outcome = await w.settle(told);
    expect(outcome).toMatchObject({ client: before, acked: false });
    expect(outcome.acked === false && outcome.error).toBeInstanceOf(ConnectionClosedError);
    // Her next attempt, once the link is back, is refused: the place is no longer hers.
    w.restoreLink(ann);
    await w.until(() => ann.currentStatus === 'disconnected', 3000);
    expect(reasons).toEqual(['unknown session']);
    expect(failure).toBeInstanceOf(ConnectionClosedError);
    expect(ann.connection).toBeUndefined();
    expect(w.state.adds).toBe(0);
    await w.shutdown();
  });

  it('does not try to come back where the server holds no one (its default)', async () => {
    const { world: w, seen } = await world();
    const ann = w.client('ann');
    const statuses: ClientStatus[] = [];
    ann.status$.subscribe((status) => statuses.push(status));
    await w.connect(ann);
    const reasons: string[] = [];
    ann.disconnected$.subscribe((reason) => reasons.push(reason));
    w.cutLink(ann);
    await w.until(() => ann.currentStatus === 'disconnected', 6000);
    // The server gave no resume token: the drop is the end, as in PyGaSe.
    expect(reasons).toEqual(['timeout']);
    expect(statuses).not.toContain('reconnecting');
    expect(seen.dropped).toEqual([]);
    await w.until(() => seen.disconnected.length === 1, 1000);
    await w.shutdown();
  });

  it('gives up after reconnect.timeoutMs while the server stays out of reach', async () => {
    const { world: w } = await world({ reconnectGraceMs: 60_000 });
    const ann = await w.connect('ann', { reconnect: { timeoutMs: 4000 } });
    const reasons: string[] = [];
    ann.disconnected$.subscribe((reason) => reasons.push(reason));
    w.cutLink(ann);
    await w.until(() => ann.currentStatus === 'reconnecting', 6000);
    const since = w.now;
    await w.until(() => ann.currentStatus === 'disconnected', 6000);
    expect(w.now - since).toBeGreaterThanOrEqual(4000);
    expect(w.now - since).toBeLessThan(4500);
    expect(reasons).toEqual(['timeout']);
    await w.shutdown();
  });

  it('stops reconnecting when told to disconnect', async () => {
    const { world: w } = await world({ reconnectGraceMs: 60_000 });
    const ann = await w.connect('ann');
    w.cutLink(ann);
    await w.until(() => ann.currentStatus === 'reconnecting', 6000);
    await ann.disconnect();
    w.restoreLink(ann);
    await w.advance(3000);
    expect(ann.currentStatus).toBe('disconnected');
    expect(ann.connection).toBeUndefined();
    expect(w.server.connections.size).toBe(0);
    await w.shutdown();
  });

  it('ends the connection on a drop with reconnect false', async () => {
    const { world: w, seen } = await world({ reconnectGraceMs: 60_000 });
    const ann = await w.connect('ann', { reconnect: false });
    const reasons: string[] = [];
    ann.disconnected$.subscribe((reason) => reasons.push(reason));
    w.cutLink(ann);
    await w.until(() => ann.currentStatus === 'disconnected', 6000);
    expect(reasons).toEqual(['timeout']);
    // The server holds her all the same: it cannot know she will not come back.
    await w.until(() => seen.dropped.length === 1, 1000);
    await w.shutdown();
  });
});
