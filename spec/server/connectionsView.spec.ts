import { addressKey } from '../../lib/transport/datagram';
import { world } from '../helpers/world';

const SERVER = { host: 'server', port: 7000 };

describe("a server's connections", () => {
  it('are a live, read-only view of its clients, the same object on every read, read as a map', async () => {
    const { server, machine, client, within, pass } = world();
    await server.run(SERVER.port, SERVER.host, machine);
    const connections = server.connections;
    expect(connections.size).toBe(0);
    const ann = client('ann');
    const bob = client('bob');
    await within(ann.connect(SERVER.port, SERVER.host));
    await within(bob.connect(SERVER.port, SERVER.host));
    expect(server.connections).toBe(connections);
    expect(connections.size).toBe(2);
    const keys = [...connections.keys()];
    expect(keys).toEqual([expect.stringMatching(/^ann:\d+$/), expect.stringMatching(/^bob:\d+$/)]);
    const [annKey, bobKey] = keys as [string, string];
    const annConnection = connections.get(annKey);
    expect(annConnection?.remote).toEqual(expect.objectContaining({ host: 'ann' }));
    expect(connections.has(bobKey)).toBe(true);
    expect(connections.get('nobody:1')).toBeUndefined();
    expect(connections.has('nobody:1')).toBe(false);
    expect([...connections.values()]).toEqual([annConnection, connections.get(bobKey)]);
    expect([...connections]).toEqual([...connections.entries()]);
    const seen: [string, string][] = [];
    const self = {};
    connections.forEach(function (this: unknown, connection, key, map) {
      expect(this).toBe(self);
      expect(map).toBe(connections);
      seen.push([key, addressKey(connection.remote)]);
    }, self);
    expect(seen).toEqual([
      [annKey, annKey],
      [bobKey, bobKey],
    ]);
    // A copy keeps its moment; the view follows the clients.
    const copy = new Map(connections);
    await bob.disconnect();
    await pass(100);
    expect(connections.size).toBe(1);
    expect(connections.has(bobKey)).toBe(false);
    expect(copy.size).toBe(2);
    await ann.disconnect();
    await server.shutdown();
  });
});
