import { EMPTY, Subject, merge, takeUntil } from 'rxjs';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { Client } from '../../lib/client/client';
import type { HandlerError } from '../../lib/connection/eventHandlers';
import type { ServerError } from '../../lib/server/serverEvents';
import { TRANSPORT_ERROR } from '../../lib/transport/datagram';
import { silentLogger } from '../../lib/util/logger';
import { world } from '../helpers/world';

const SERVER = { host: 'server', port: 7000 };

describe("what a server's transport reports", () => {
  it('is on errors$, each one, and in the log at most every 10 s; the server goes on', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const troubles = new Subject<Error>();
    const { server, machine, client, within, pass } = world(undefined, { logger }, (transport) => ({
      ...transport,
      errors$: troubles,
    }));
    const reported: ServerError[] = [];
    server.errors$.subscribe((error) => reported.push(error));
    await server.run(SERVER.port, SERVER.host, machine);
    const refused = new Error('send ENOBUFS');
    for (let i = 0; i < 3; i++) troubles.next(refused);
    expect(reported).toEqual([
      { type: TRANSPORT_ERROR, error: refused },
      { type: TRANSPORT_ERROR, error: refused },
      { type: TRANSPORT_ERROR, error: refused },
    ]);
    expect(warnings).toEqual(['The transport reported an error: send ENOBUFS']);
    await pass(10_000);
    troubles.next(new Error('send EHOSTUNREACH'));
    expect(warnings).toEqual([
      'The transport reported an error: send ENOBUFS',
      expect.stringMatching(/^The transport reported an error: send EHOSTUNREACH.*2\b/),
    ]);
    // The server still takes clients.
    const ann = client('ann');
    await within(ann.connect(SERVER.port, SERVER.host));
    expect(server.stats.clients).toBe(1);
    await ann.disconnect();
    await server.shutdown();
    // Once shut down, it listens no more.
    troubles.next(new Error('late'));
    expect(reported).toHaveLength(4);
  });

  it('that ends its datagrams in an error is on errors$ and in the log, and shuts the server down', async () => {
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => errors.push(message) };
    const failing = new Subject<never>();
    const { server, machine, client, within } = world(undefined, { logger }, (transport) => ({
      ...transport,
      datagrams$: merge(transport.datagrams$, failing),
    }));
    const reported: ServerError[] = [];
    server.errors$.subscribe((error) => reported.push(error));
    await server.run(SERVER.port, SERVER.host, machine);
    const ann = client('ann');
    await within(ann.connect(SERVER.port, SERVER.host));
    const shutDown = server.whenShutDown();
    const broken = new Error('socket gone');
    failing.error(broken);
    expect(reported).toEqual([{ type: TRANSPORT_ERROR, error: broken }]);
    expect(errors).toContain('The transport failed: the server shuts down.');
    // Shut down, as if asked: it has no clients, and whoever waited for it is told.
    await shutDown;
    expect(server.stats.clients).toBe(0);
  });

  it('that ends its datagrams shuts the server down, with a warning', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const end = new Subject<void>();
    const { server, machine } = world(undefined, { logger }, (transport) => ({
      ...transport,
      datagrams$: transport.datagrams$.pipe(takeUntil(end)),
    }));
    await server.run(SERVER.port, SERVER.host, machine);
    const shutDown = server.whenShutDown();
    end.next();
    expect(warnings).toContain('The transport closed: the server shuts down.');
    await shutDown;
  });

  it('that ends its datagrams at once makes run fail with a named error, the server shut down', async () => {
    const infos: string[] = [];
    const logger = { ...silentLogger, info: (message: string) => infos.push(message) };
    const { server, machine } = world(undefined, { logger }, (transport) => ({
      ...transport,
      datagrams$: EMPTY,
    }));
    await expect(server.run(SERVER.port, SERVER.host, machine)).rejects.toThrow(
      new InvalidArgumentError('the transport ended before the server listened on it'),
    );
    expect(server.address).toBeUndefined();
    expect(infos.some((line) => line.includes('listening'))).toBe(false);
    // Not running: whoever waits for its shutdown is not kept waiting.
    await expect(server.whenShutDown()).resolves.toBeUndefined();
  });

  it("of a client is on the client's errors$ too, and in its log at most every 10 s", async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const troubles = new Subject<Error>();
    const { server, machine, network, scheduler, within } = world();
    await server.run(SERVER.port, SERVER.host, machine);
    const ann = new Client({
      scheduler,
      logger,
      resolve: async (host) => host,
      bind: async () => ({ ...network.bind({ host: 'ann' }), errors$: troubles }),
    });
    const reported: HandlerError[] = [];
    ann.errors$.subscribe((error) => reported.push(error));
    await within(ann.connect(SERVER.port, SERVER.host));
    const refused = new Error('send ENETUNREACH');
    troubles.next(refused);
    troubles.next(refused);
    expect(reported).toEqual([
      { type: TRANSPORT_ERROR, error: refused },
      { type: TRANSPORT_ERROR, error: refused },
    ]);
    expect(warnings).toEqual(['The transport reported an error: send ENETUNREACH']);
    expect(ann.currentStatus).toBe('connected');
    await ann.disconnect();
    await server.shutdown();
  });
});
