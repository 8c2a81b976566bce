import { lastValueFrom, toArray } from 'rxjs';
import { world } from '../helpers/world';

/** A lossy, jittery link that duplicates and reorders, in virtual time. */
const LOSSY = { latencyMs: 20, jitterMs: 10, loss: 0.1, duplicate: 0.05, reorder: true };

describe('events larger than a datagram over a lossy network, in virtual time', () => {
  it('arrive whole and once each way, resent when a fragment is lost', async () => {
    const { server, machine, client, pass, within } = world(LOSSY);
    await server.run(7000, 'server', machine);
    machine.runGameLoop(50);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    const notes = [1, 2, 3, 4, 5].map((n) =>
      Uint8Array.from({ length: 6000 }, (_, i) => (i * n) % 251),
    );

    const serverHeard: Uint8Array[] = [];
    server.on('NOTE').subscribe(({ event }) => serverHeard.push(event.args[0] as Uint8Array));
    for (const note of notes) {
      await within(
        lastValueFrom(ann.dispatchEvent('NOTE', [note], {}, { retries: 20 }), {
          defaultValue: 0,
        }),
      );
    }

    const annHeard: Uint8Array[] = [];
    ann.on('NOTE').subscribe((event) => annHeard.push(event.args[0] as Uint8Array));
    for (const note of notes) {
      const [outcome] = await within(
        lastValueFrom(server.dispatchEvent('NOTE', [note], {}, { retries: 20 }).pipe(toArray())),
      );
      expect(outcome).toMatchObject({ acked: true });
    }

    // Loss cost whole packages: their events went again, and the fragments that did arrive of a
    // lost one were dropped when it expired.
    await pass(2000);
    const sent = ann.connection!.stats;
    const server$ = server.stats;
    expect(sent.resends + server$.resends).toBeGreaterThan(0);
    expect(sent.fragmentsDropped + server$.fragmentsDropped).toBeGreaterThan(0);
    // Each note handed on once, in order, however often it arrived.
    expect(serverHeard).toEqual(notes);
    expect(annHeard).toEqual(notes);
    expect(server$.reassemblyBytes).toBe(0);
    await ann.disconnect();
    machine.stop();
    await server.shutdown();
  });
});
