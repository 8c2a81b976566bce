import * as decode from '../../lib/protocol/decode';
import { silentLogger } from '../../lib/util/logger';
import { world } from '../helpers/world';

const SERVER = { host: 'server', port: 7000 };

describe('a datagram the server fails on', () => {
  afterEach(() => jest.restoreAllMocks());

  it('is dropped, counted as malformed and logged, and the server goes on taking the others', async () => {
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => errors.push(message) };
    const { server, machine, client, within } = world(undefined, { logger });
    await server.run(SERVER.port, SERVER.host, machine);
    // A fault of the server's own, not a named error of a bad datagram: on the first package a
    // new PyGaSe client sends, which the gate reads to open its connection.
    const fault = new TypeError('a fault in reading a package');
    jest.spyOn(decode, 'decodeClientPackage').mockImplementationOnce(() => {
      throw fault;
    });
    const old = client('old', { protocol: 'pygase' });
    await within(old.connect(SERVER.port, SERVER.host));
    expect(errors).toEqual([
      expect.stringMatching(/^Dropped a datagram from old:\d+: the server failed on it\.$/),
    ]);
    expect(server.stats.malformed).toBe(1);
    // The client's next package opened its connection: the server still listens.
    expect(server.stats.clients).toBe(1);
    const ann = client('ann');
    await within(ann.connect(SERVER.port, SERVER.host));
    expect(server.stats.clients).toBe(2);
    await server.shutdown();
  });
});
