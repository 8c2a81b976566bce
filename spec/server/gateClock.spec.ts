import { TimerWheel } from '../../lib/util/timerWheel';
import { world } from '../helpers/world';

const SERVER = { host: 'server', port: 7000 };

describe("the server's clock while it takes a datagram", () => {
  afterEach(() => jest.restoreAllMocks());

  it('is held for each datagram, once, and released however the datagram went', async () => {
    const hold = jest.spyOn(TimerWheel.prototype, 'hold');
    const release = jest.spyOn(TimerWheel.prototype, 'release');
    const { server, machine, client, within, pass } = world();
    await server.run(SERVER.port, SERVER.host, machine);
    const ann = client('ann');
    const old = client('old', { protocol: 'pygase' });
    await within(ann.connect(SERVER.port, SERVER.host));
    await within(old.connect(SERVER.port, SERVER.host));
    await pass(500);
    const taken = server.stats.datagramsIn;
    expect(taken).toBeGreaterThan(20);
    // Each datagram the gate took, handshakes and packages alike, held the clock once.
    expect(hold).toHaveBeenCalledTimes(taken);
    expect(release).toHaveBeenCalledTimes(taken);
    await ann.disconnect();
    await old.disconnect();
    await server.shutdown();
  });
});
