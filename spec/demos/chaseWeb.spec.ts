import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { discover } from '../../lib/discovery/discover';
import type { Browser, Page } from 'playwright-core';
import { BIG_WORLD } from '../../demos/chase/backend';
import type { Joined } from '../../demos/chase/player';
import type { ServedChase } from '../../demos/chase/web/serve';
import { serveChase } from '../../demos/chase/web/serve';
import { launchChromium } from '../helpers/browser';

/*
 * The page's globals that the functions run in the page touch. The specs compile without the DOM
 * library (lib/ must not lean on it), so they are typed here.
 */
interface PageElement {
  readonly textContent: string | null;
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}
declare const window: { chase?: Joined };
declare const document: { getElementById(id: string): PageElement | null };

const WAIT_MS = 15_000;

// Above the sum of a test's waits, so that a slow page fails naming the wait that ran out rather
// than on Jest's 5 s default, which a loaded machine can reach.
jest.setTimeout(90_000);

/**
 * The web chase demo in real headless Chromium: two pages join over WebSocket, with a bot over
 * UDP in the same game; one page moves and the other sees it. Every wait is on a condition, and
 * bounded.
 */
describe('the web chase demo, in headless Chromium', () => {
  let served: ServedChase;
  /** The big world, played by the server's bots alone. */
  let big: ServedChase;
  let browser: Browser;
  let screenshots: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    screenshots = await mkdtemp(join(tmpdir(), 'rxgase-chase-'));
    served = await serveChase({
      host: '127.0.0.1',
      httpPort: 0,
      udpPort: 0,
      bots: 1,
      discoveryPort: 0,
    });
    big = await serveChase({
      host: '127.0.0.1',
      httpPort: 0,
      udpPort: 0,
      bots: 0,
      world: BIG_WORLD,
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await big?.close();
    if (screenshots !== undefined) await rm(screenshots, { recursive: true, force: true });
  });

  /** Waits until `condition` holds in the page, or fails saying what never happened. */
  async function until<A>(
    page: Page,
    what: string,
    condition: (arg: A) => unknown,
    arg: A,
  ): Promise<void> {
    try {
      await page.waitForFunction(condition as Parameters<Page['waitForFunction']>[0], arg, {
        timeout: WAIT_MS,
        polling: 50,
      });
    } catch (error) {
      throw new Error(`${what}, within ${WAIT_MS} ms`, { cause: error });
    }
  }

  async function joinAs(name: string, url = served.url): Promise<{ page: Page; id: string }> {
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    await page.goto(url);
    await page.fill('#name', name);
    await page.click('button[type=submit]');
    await until(page, `${name} never joined`, () => window.chase?.id !== undefined, null);
    return { page, id: await page.evaluate(() => window.chase!.id) };
  }

  it('lets two browser players join one game, where each sees the other move', async () => {
    const ann = await joinAs('ann');
    const bob = await joinAs('bob');
    expect(ann.id).not.toBe(bob.id);
    await until(
      bob.page,
      'bob never saw ann',
      (id: string) => window.chase!.client.state.players[id] !== undefined,
      ann.id,
    );
    const [x0] = await bob.page.evaluate(
      (id) => window.chase!.client.state.players[id]!.position,
      ann.id,
    );
    // Away from the nearer edge, so the move can show.
    const key = x0 < 320 ? 'ArrowRight' : 'ArrowLeft';
    await ann.page.keyboard.down(key);
    await until(
      bob.page,
      `bob never saw ann move 40 px with ${key}`,
      ([id, from]: readonly [string, number]) => {
        const x = window.chase!.client.state.players[id]?.position[0];
        return x !== undefined && Math.abs(x - from) >= 40;
      },
      [ann.id, x0] as const,
    );
    await ann.page.keyboard.up(key);
    expect(pageErrors).toEqual([]);
  });

  it('plays with the UDP bot in the same game, and shows the players and live stats', async () => {
    const { page } = await joinAs('cleo');
    await until(
      page,
      'the page never listed the bot and both other players',
      () =>
        ['bot-1', 'ann', 'bob', 'cleo (you)'].every((name) =>
          document.getElementById('players')!.textContent!.includes(name),
        ),
      null,
    );
    await until(
      page,
      'the stats never showed packages in and a latency',
      () =>
        /packages\s+[1-9]\d* in/.test(document.getElementById('stats')!.textContent!) &&
        /latency\s+\d/.test(document.getElementById('stats')!.textContent!),
      null,
    );
    expect(served.backend.server.connections.size).toBe(4);
    expect(
      [...served.backend.server.connections.keys()].filter((key) => key.startsWith('ws://')),
    ).toHaveLength(3);
    expect(pageErrors).toEqual([]);
  });

  it('answers LAN discovery with its UDP and WebSocket ports', async () => {
    const found = await firstValueFrom(
      discover({ port: served.discovery!.address.port, address: '127.0.0.1', timeoutMs: WAIT_MS }),
    );
    expect(found).toMatchObject({
      name: 'chase',
      host: '127.0.0.1',
      port: served.udp.port,
      webSocketPort: served.webSocket.port,
    });
  });

  it('draws the field on the canvas, and takes a screenshot of it', async () => {
    const { page } = await joinAs('dora');
    await until(
      page,
      'the canvas never showed the players',
      () => {
        const canvas = document.getElementById('field')!;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let lit = 0;
        for (let i = 0; i < pixels.data.length; i += 4) if (pixels.data[i]! > 60) lit++;
        return lit > 100;
      },
      null,
    );
    const file = join(screenshots, 'chase.png');
    await page.screenshot({ path: file });
    const png = await readFile(file);
    expect(png.length).toBeGreaterThan(1000);
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(pageErrors).toEqual([]);
  });

  it('in the big world, holds only the players around its own, and shows the bytes a second', async () => {
    const { page, id } = await joinAs('erin', big.url);
    await until(
      page,
      'the stats never showed a rate of bytes received',
      () => /received\s+[\d.]+ k?B\/s/.test(document.getElementById('stats')!.textContent!),
      null,
    );
    const seen = await page.evaluate(() => window.chase!.client.state.players);
    const all = big.backend.gameStateStore.getGameState().players;
    expect(Object.keys(all)).toHaveLength(BIG_WORLD.bots + 1);
    const [x, y] = seen[id]!.position;
    for (const player of Object.values(seen)) {
      expect(Math.hypot(player.position[0] - x, player.position[1] - y)).toBeLessThanOrEqual(
        BIG_WORLD.viewRadius,
      );
    }
    expect(Object.keys(seen).length).toBeLessThan(BIG_WORLD.bots / 5);
    expect(pageErrors).toEqual([]);
  });
});
