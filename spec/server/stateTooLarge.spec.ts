import { lastValueFrom } from 'rxjs';
import type { ServerError } from '../../lib/server/serverEvents';
import { GAME_STATE_ERROR } from '../../lib/server/serverEvents';
import { StateTooLargeError } from '../../lib/protocol/errors';
import { ConnectionStatus } from '../../lib/connection/connection';
import { UNSENDABLE_STATE_GRACE_MS } from '../../lib/server/stateWatch';
import type { Logger } from '../../lib/util/logger';
import { world } from '../helpers/world';
import type { Arena } from '../helpers/world';

/** A logger that keeps its lines, by level. */
function recording() {
  const lines: { level: string; message: string }[] = [];
  const at =
    (level: string) =>
    (message: string): void => {
      lines.push({ level, message });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines, errors: () => lines.filter((line) => line.level === 'error') };
}

/** The largest state the specs' server sends an rxgase client. */
const MAX_MESSAGE_SIZE = 3000;

/** Players enough that the state no longer fits in one 2,048-byte package, nor in 3,000 bytes. */
function crowd(count: number): Arena['players'] {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`player-${i}`, { x: i + 0.5, score: i }]),
  );
}

function setUp() {
  const log = recording();
  // rxgase clients take states of up to maxMessageSize as blocks: a small one makes the limit near.
  const game = world(undefined, { logger: log.logger, maxMessageSize: MAX_MESSAGE_SIZE });
  const errors: ServerError[] = [];
  game.server.errors$.subscribe((error) => errors.push(error));
  return { ...game, log, errors };
}

describe('a game state too large to send', () => {
  it('refuses a joining client promptly with `state too large`, logged once with the sizes and on errors$ once', async () => {
    const { server, machine, store, client, within, pass, log, errors } = setUp();
    store.pushUpdate({ players: crowd(300), time_order: 1 });
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const joined = ann.connect(7000, 'server');
    const refusal = await within(
      joined.then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    expect(refusal).toMatchObject({ code: 'ERR_CONNECTION_REFUSED', reason: 'state too large' });

    expect(errors).toHaveLength(1);
    const [reported] = errors;
    expect(reported?.type).toBe(GAME_STATE_ERROR);
    expect(reported?.client).toMatchObject({ host: 'ann' });
    expect(reported?.error).toBeInstanceOf(StateTooLargeError);
    const error = reported?.error as StateTooLargeError;
    expect(error.code).toBe('ERR_STATE_TOO_LARGE');
    expect(error.size).toBeGreaterThan(MAX_MESSAGE_SIZE);
    expect(error.room).toBe(MAX_MESSAGE_SIZE);

    expect(log.errors()).toHaveLength(1);
    expect(log.errors()[0]?.message).toContain(`${error.size} bytes`);
    expect(log.errors()[0]?.message).toContain(`room for ${error.room}`);
    expect(server.stats.unsendableClosed).toBe(1);
    expect(server.stats.encodeFailures).toBeGreaterThan(0);
    expect(server.connections.size).toBe(0);

    // Nothing more comes of it: the log does not repeat.
    await pass(2000);
    expect(log.errors()).toHaveLength(1);
    expect(errors).toHaveLength(1);
    machine.stop();
    await server.shutdown();
  });

  it('rejects connect() within the grace and a little, not after the 5 s wait', async () => {
    const { server, machine, store, client, within, scheduler } = setUp();
    store.pushUpdate({ players: crowd(300), time_order: 1 });
    await server.run(7000, 'server', machine);
    const started = scheduler.now();
    await expect(within(client('ann').connect(7000, 'server'))).rejects.toMatchObject({
      reason: 'state too large',
    });
    const took = scheduler.now() - started;
    expect(took).toBeGreaterThanOrEqual(UNSENDABLE_STATE_GRACE_MS);
    expect(took).toBeLessThan(UNSENDABLE_STATE_GRACE_MS + 200);
    await server.shutdown();
  });

  it('closes connected clients with `state too large` when the running game outgrows a package', async () => {
    const { server, machine, client, within, pass, log, errors } = setUp();
    await server.run(7000, 'server', machine);
    machine.runGameLoop(20);
    machine.registerEventHandler('CROWD', () => ({ players: crowd(300) }));
    const ann = client('ann');
    const bob = client('bob');
    await within(ann.connect(7000, 'server'));
    await within(bob.connect(7000, 'server'));
    const reasons: string[] = [];
    ann.disconnected$.subscribe((reason) => reasons.push(`ann ${reason}`));
    bob.disconnected$.subscribe((reason) => reasons.push(`bob ${reason}`));
    const connection = ann.connection;

    await within(
      lastValueFrom(ann.dispatchEvent('CROWD', [], {}, { retries: 3 }), { defaultValue: 0 }),
    );
    await pass(UNSENDABLE_STATE_GRACE_MS + 200);
    expect(reasons.sort()).toEqual(['ann state too large', 'bob state too large']);
    expect(connection?.currentStatus).toBe(ConnectionStatus.Disconnected);
    expect(connection?.closeReason).toBe('state too large');
    // Once per client, not once a tick.
    expect(log.errors()).toHaveLength(2);
    expect(errors.map((e) => e.error)).toEqual([
      expect.any(StateTooLargeError),
      expect.any(StateTooLargeError),
    ]);
    expect(server.stats.unsendableClosed).toBe(2);
    machine.stop();
    await server.shutdown();
  });

  it('lets a state that was too large for less than the grace pass', async () => {
    const { server, machine, store, client, within, pass, log } = setUp();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    // A notice too long for a package, replaced before the grace is out by a short one.
    store.pushUpdate({ notice: 'x'.repeat(5000), time_order: 2 });
    await pass(UNSENDABLE_STATE_GRACE_MS / 2);
    store.pushUpdate({ notice: 'welcome', time_order: 3 });
    await pass(UNSENDABLE_STATE_GRACE_MS);
    expect(ann.connection?.currentStatus).toBe(ConnectionStatus.Connected);
    expect(ann.state).toMatchObject({ notice: 'welcome' });
    expect(log.errors()).toHaveLength(1);
    expect(server.stats.unsendableClosed).toBe(0);
    await ann.disconnect();
    await server.shutdown();
  });

  it('drops a PyGaSe client, which has no close packet, after the same grace: logged and counted', async () => {
    const { server, machine, store, client, within, pass, log, errors } = setUp();
    store.pushUpdate({ players: crowd(300), time_order: 1 });
    await server.run(7000, 'server', machine);
    const old = client('old', { protocol: 'pygase' });
    const joined = old.connect(7000, 'server', 3000).catch((error: unknown) => error);
    await pass(UNSENDABLE_STATE_GRACE_MS + 100);
    expect(server.stats.unsendableClosed).toBe(1);
    expect(
      log.lines.filter(
        (line) => line.level === 'warn' && /Dropped PyGaSe client/.test(line.message),
      ),
    ).toHaveLength(1);
    // It has no word for it: it keeps sending, is taken again, dropped again, and its wait times out.
    expect(await within(joined)).toMatchObject({ code: 'ERR_WAIT_TIMEOUT' });
    expect(server.stats.unsendableClosed).toBeGreaterThanOrEqual(2);
    // Told of once, not once a connection nor once a tick.
    expect(log.errors()).toHaveLength(1);
    expect(log.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(log.errors()[0]?.message).toMatch(/PyGaSe client old:\d+ .*room for 2034/);
    expect(errors).toHaveLength(1);
    expect((errors[0]?.error as StateTooLargeError).room).toBe(2048 - 12 - 2);
    await server.shutdown();
  });
});
