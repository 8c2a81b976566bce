import { decodeServerPackage } from '../../lib/protocol/decode';
import { encodeClientPackage } from '../../lib/protocol/encode';
import { world } from '../helpers/world';

describe("a server's replies, in virtual time", () => {
  it("answers each package of a PyGaSe client at once, once the client's beat and its own meet", async () => {
    const { server, machine, network, scheduler, pass } = world();
    await server.run(7000, 'server', machine);
    machine.runGameLoop(50);
    // A PyGaSe client sending on a beat of its own, 25 ms, and noting when the server's came.
    const transport = network.bind({ host: 'py' });
    const arrived: number[] = [];
    let ack = 0;
    transport.datagrams$.subscribe(({ data }) => {
      arrived.push(scheduler.now());
      ack = decodeServerPackage(data).header.sequence;
    });
    const sent: number[] = [];
    for (let sequence = 1; sequence <= 40; sequence++) {
      scheduler.schedule(
        () => {
          sent.push(scheduler.now());
          const header = { sequence, ack, ackBitfield: ack === 0 ? 0 : 0xffffffff };
          const data = encodeClientPackage({ header, timeOrder: 0, events: [] });
          transport.send({ data, address: { host: 'server', port: 7000 } });
        },
        // The first opens the connection, whose beat starts then; the client's own beat comes
        // 10 ms after the server's.
        sequence === 1 ? 13 : 23 + 25 * (sequence - 1),
      );
    }
    await pass(1000);
    expect(server.connections.size).toBe(1);
    // After a few beats, each of the client's packages has the server's in the same moment
    // (the in-memory network takes no time), and the server sends nothing in between.
    const answered = sent.slice(10);
    expect(answered.map((at) => arrived.includes(at))).toEqual(Array(30).fill(true));
    const first = answered[0] as number;
    const last = answered[answered.length - 1] as number;
    expect(arrived.filter((at) => at >= first && at <= last)).toEqual(answered);
  });
});
