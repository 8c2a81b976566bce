import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { discover } from '../../lib/discovery/discover';
import type { Browser, Page } from 'playwright-core';
import type { Logger } from '../../lib/util/logger';
import { BIG_WORLD } from '../../demos/chase/backend';
import type { Chase } from '../../demos/chase/game';
import type { Joined } from '../../demos/chase/player';
import type { ServedChase } from '../../demos/chase/web/serve';
import { MAIN_ROOM, serveChase } from '../../demos/chase/web/serve';
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
declare const window: {
  chase?: Joined;
  drawn?: Chase;
  rooms?: readonly { readonly metadata: { readonly name?: unknown }; readonly clients: number }[];
};
declare function requestAnimationFrame(callback: () => void): number;
declare const document: {
  getElementById(id: string): PageElement | null;
  readonly body: { readonly dataset: Readonly<Record<string, string | undefined>> };
};

const WAIT_MS = 15_000;

/** The servers' latest log lines (info and up), told with a wait that ran out. */
const serverLog: string[] = [];
const SERVER_LOG_KEPT = 40;
const record =
  (level: string) =>
  (message: string): void => {
    serverLog.push(`${level} ${message}`);
    if (serverLog.length > SERVER_LOG_KEPT) serverLog.shift();
  };
const recordingLogger: Logger = {
  debug: () => undefined,
  info: record('info'),
  warn: record('warn'),
  error: record('error'),
};

// Above the sum of a test's waits, so that a slow page fails naming the wait that ran out rather
// than on Jest's 5 s default, which a loaded machine can reach.
jest.setTimeout(90_000);

/**
 * The web chase demo in real headless Chromium: pages make rooms and join them from the lobby over
 * WebSocket; one page moves and another in its room sees it, and sees it go when it leaves; rooms
 * play apart, the main one with a bot over UDP. Every wait is on a condition, and bounded.
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
      logger: recordingLogger,
    });
    big = await serveChase({
      host: '127.0.0.1',
      httpPort: 0,
      udpPort: 0,
      bots: 0,
      world: BIG_WORLD,
      logger: recordingLogger,
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
      const log = serverLog.map((line) => `\n  ${line}`).join('');
      throw new Error(`${what}, within ${WAIT_MS} ms; the servers' log last said:${log}`, {
        cause: error,
      });
    }
  }

  /** A page of `url` with its lobby open and `name` filled in; `noWebRtc`: a browser without it. */
  async function openLobby(name: string, url = served.url, noWebRtc = false): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    if (noWebRtc) {
      await page.addInitScript(() => {
        delete (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
      });
    }
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    await page.goto(url);
    await page.fill('#name', name);
    return page;
  }

  /** Waits until the page's player joined, and gives its id. */
  async function playerOf(page: Page, name: string): Promise<{ page: Page; id: string }> {
    await until(page, `${name} never joined`, () => window.chase?.id !== undefined, null);
    return { page, id: await page.evaluate(() => window.chase!.id) };
  }

  /** `name` joins the room the lobby lists as `room`, with the row's Join button. */
  async function joinAs(
    name: string,
    room = 'Main room',
    url = served.url,
    noWebRtc = false,
  ): Promise<{ page: Page; id: string }> {
    const page = await openLobby(name, url, noWebRtc);
    await page
      .locator('#rooms tr', { hasText: room })
      .getByRole('button', { name: 'Join' })
      .click();
    return playerOf(page, name);
  }

  /** `name` makes a room named `room` with `bots` server bots, from the lobby, and plays in it. */
  async function createAs(
    name: string,
    room: string,
    bots: string,
  ): Promise<{ page: Page; id: string }> {
    const page = await openLobby(name);
    await page.fill('#room-name', room);
    await page.selectOption('#room-bots', bots);
    await page.click('#create button[type=submit]');
    return playerOf(page, name);
  }

  const roomOf = (page: Page): Promise<string | undefined> =>
    page.evaluate(() => window.chase?.client.roomId);
  const playerNames = (page: Page): Promise<string[]> =>
    page.evaluate(() => Object.values(window.chase!.client.state.players).map((p) => p.name));

  it('lets a player make a room from the lobby, and another join it there and see it move', async () => {
    const ann = await createAs('ann', 'Red', '0');
    const bob = await joinAs('bob', 'Red');
    expect(ann.id).not.toBe(bob.id);
    expect(await roomOf(bob.page)).toBe(await roomOf(ann.page));
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

    // Ann leaves: she is back in the lobby, and gone from bob's board.
    await ann.page.click('#leave');
    await until(ann.page, 'ann never saw the lobby again', () => window.chase === undefined, null);
    await until(
      bob.page,
      'ann stayed on the board after she left',
      (id: string) => window.chase!.client.state.players[id] === undefined,
      ann.id,
    );
    expect(pageErrors).toEqual([]);
  });

  it('plays rooms apart: the main room with the UDP bot, a new one with its server bots', async () => {
    const cleo = await joinAs('cleo');
    const dora = await createAs('dora', 'Blue', '2');
    expect(await roomOf(cleo.page)).toBe(MAIN_ROOM);
    await until(
      cleo.page,
      'the page never listed the bot and cleo',
      () =>
        ['bot-1', 'cleo (you)'].every((name) =>
          document.getElementById('players')!.textContent!.includes(name),
        ),
      null,
    );
    await until(
      cleo.page,
      'the plots of the link were never drawn',
      () =>
        ['plot-latency', 'plot-loss', 'plot-bytes'].every((id) => {
          const canvas = document.getElementById(id)!;
          const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          // The green of a plot's line, blended into the background where it is thin.
          for (let i = 0; i < pixels.data.length; i += 4) {
            if (pixels.data[i + 1]! - pixels.data[i]! > 40) return true;
          }
          return false;
        }),
      null,
    );
    await until(
      cleo.page,
      'the stats never showed packages in and a latency',
      () =>
        /packages\s+[1-9]\d* in/.test(document.getElementById('stats')!.textContent!) &&
        /latency\s+\d/.test(document.getElementById('stats')!.textContent!),
      null,
    );
    await until(
      dora.page,
      "dora never saw her room's two bots",
      () => Object.keys(window.chase!.client.state.players).length === 3,
      null,
    );
    expect((await playerNames(dora.page)).sort()).toEqual(['dora', 'npc-1', 'npc-2']);
    expect((await playerNames(cleo.page)).sort()).toEqual(['bot-1', 'cleo']);

    // A fresh lobby lists every room with its players.
    const lobby = await openLobby('erin');
    await until(
      lobby,
      'the lobby never listed the main room and Blue with their players',
      () => {
        const rooms = window.rooms ?? [];
        const count = (name: string): number | undefined =>
          rooms.find((room) => room.metadata.name === name)?.clients;
        return count('Main room') === 2 && count('Blue') === 1;
      },
      null,
    );
    const main = served.rooms.room(MAIN_ROOM)!;
    expect(main.server.connections.size).toBe(2);
    // The page plays over a data channel; the bot over UDP.
    expect(
      [...main.server.connections.keys()].filter((key) => key.startsWith('rtc://')),
    ).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });

  it('draws the others between the states that came, and numbers its own moves for prediction', async () => {
    const { page, id } = await joinAs('hal');
    // Sixty frames: the bot's place as drawn, and as the last state had it.
    const frames = await page.evaluate(
      () =>
        new Promise<{ drawn: number; state: number }[]>((resolve) => {
          const seen: { drawn: number; state: number }[] = [];
          const frame = (): void => {
            const bot = Object.entries(window.chase!.client.state.players).find(
              ([, player]) => player.name === 'bot-1',
            );
            const drawn = bot && window.drawn?.players[bot[0]]?.position[0];
            if (bot !== undefined && drawn !== undefined) {
              seen.push({ drawn, state: bot[1].position[0] });
            }
            if (seen.length < 60) requestAnimationFrame(frame);
            else resolve(seen);
          };
          requestAnimationFrame(frame);
        }),
    );
    // Drawn 100 ms behind, between states: places no state had.
    const states = new Set(frames.map((frame) => frame.state));
    expect(frames.filter((frame) => !states.has(frame.drawn)).length).toBeGreaterThan(0);
    // Hal's moves are numbered, and the server says which it applied last.
    await page.keyboard.down('ArrowDown');
    await until(
      page,
      'the server never applied a numbered MOVE of hal',
      (me: string) => (window.chase!.client.state.players[me]?.lastMove ?? 0) > 0,
      id,
    );
    await page.keyboard.up('ArrowDown');
    expect(pageErrors).toEqual([]);
  });

  it('simulates latency on its own link, where its prediction draws its moves ahead of the server', async () => {
    const { page, id } = await joinAs('ivy');
    await page.fill('#latency', '150');
    await until(
      page,
      'the round trip never grew past 200 ms under 150 ms each way',
      () => window.chase!.client.connection!.currentLatency > 200,
      null,
    );
    // How far ahead of the server's state the drawn dot is, over 30 frames of moving.
    const ahead = (me: string) =>
      page.evaluate(
        (player) =>
          new Promise<number[]>((resolve) => {
            const gaps: number[] = [];
            const frame = (): void => {
              const drawn = window.drawn?.players[player]?.position[0];
              const server = window.chase!.client.state.players[player]?.position[0];
              if (drawn !== undefined && server !== undefined) gaps.push(Math.abs(drawn - server));
              if (gaps.length < 30) requestAnimationFrame(frame);
              else resolve(gaps);
            };
            requestAnimationFrame(frame);
          }),
        me,
      );
    const [x0] = await page.evaluate((me) => window.chase!.client.state.players[me]!.position, id);
    const key = x0 < 320 ? 'ArrowRight' : 'ArrowLeft';
    await page.keyboard.down(key);
    const predicted = await ahead(id);
    await page.keyboard.up(key);
    // Moving 5 every 40 ms, a 300 ms round trip ahead: well past a step.
    expect(Math.max(...predicted)).toBeGreaterThan(10);
    // Without prediction the dot is where the server's state has it.
    await page.click('#prediction');
    await page.keyboard.down(key === 'ArrowRight' ? 'ArrowLeft' : 'ArrowRight');
    const unpredicted = await ahead(id);
    await page.keyboard.up(key === 'ArrowRight' ? 'ArrowLeft' : 'ArrowRight');
    expect(Math.max(...unpredicted)).toBeLessThan(0.5);
    expect(pageErrors).toEqual([]);
  });

  /** What the page's link goes over now, once connected. */
  const linkOf = (page: Page): Promise<string | undefined> =>
    page.evaluate(() => document.body.dataset.link);
  /** Where `id`'s player is, as `page` holds the state. */
  const positionIn = (page: Page, id: string): Promise<readonly [number, number] | undefined> =>
    page.evaluate((player) => window.chase!.client.state.players[player]?.position, id);

  it('plays over data channels, falls back to WebSocket by itself, and draws the other moving smoothly', async () => {
    const jay = await createAs('jay', 'Green', '0');
    await until(
      jay.page,
      'jay never played over a data channel',
      () => document.body.dataset.link === 'data channel',
      null,
    );
    // Kim's browser has no WebRTC: her page plays over a WebSocket, chosen by itself.
    const kim = await joinAs('kim', 'Green', served.url, true);
    await until(
      kim.page,
      'kim never fell back to WebSocket',
      () => document.body.dataset.link === 'fallback',
      null,
    );
    const green = served.rooms.room((await roomOf(jay.page))!)!;
    const keys = [...green.server.connections.keys()].map((key) => key.split(':')[0]).sort();
    expect(keys).toEqual(['rtc', 'ws']);
    await until(
      jay.page,
      'jay never saw kim',
      (id: string) => window.chase!.client.state.players[id] !== undefined,
      kim.id,
    );
    // Kim walks; jay draws her each frame, in small steps, never jumping back.
    const [x0] = (await positionIn(kim.page, kim.id))!;
    const key = x0 < 320 ? 'ArrowRight' : 'ArrowLeft';
    await kim.page.keyboard.down(key);
    const frames = await jay.page.evaluate(
      (id) =>
        new Promise<{ drawn: number[]; states: number[] }>((resolve) => {
          const drawn: number[] = [];
          const states: number[] = [];
          const frame = (): void => {
            const x = window.drawn?.players[id]?.position[0];
            if (x !== undefined && x !== drawn[drawn.length - 1]) drawn.push(x);
            const state = window.chase!.client.state.players[id]?.position[0];
            if (state !== undefined) states.push(state);
            if (drawn.length < 40) requestAnimationFrame(frame);
            else resolve({ drawn, states });
          };
          requestAnimationFrame(frame);
        }),
      kim.id,
    );
    await kim.page.keyboard.up(key);
    const steps = frames.drawn.slice(1).map((x, i) => x - frames.drawn[i]!);
    const sign = key === 'ArrowRight' ? 1 : -1;
    // Drawn between the states that came, never stepping back, never jumping.
    const states = new Set(frames.states);
    expect(frames.drawn.filter((x) => !states.has(x)).length).toBeGreaterThan(10);
    expect(steps.filter((step) => step * sign < 0)).toEqual([]);
    expect(Math.max(...steps.map((step) => Math.abs(step)))).toBeLessThan(40);
    await jay.page.screenshot({ path: join(screenshots, 'two-players.png') });
    // Loss on jay's data channel: the game goes on over it.
    await jay.page.fill('#loss', '20');
    const before = await jay.page.evaluate(() => window.chase!.client.state.time_order);
    await until(
      jay.page,
      'the state stopped coming over the lossy data channel',
      (t: number) => window.chase!.client.state.time_order > t + 40,
      before,
    );
    expect(await linkOf(jay.page)).toBe('data channel');
    expect(pageErrors).toEqual([]);
  });

  it('brings a player back in its place after its link drops, and switches its link', async () => {
    const lee = await createAs('lee', 'Yellow', '2');
    const mo = await joinAs('mo', 'Yellow');
    await until(
      mo.page,
      'mo never saw lee',
      (id: string) => window.chase!.client.state.players[id] !== undefined,
      lee.id,
    );
    await until(
      lee.page,
      'lee never connected',
      () => document.body.dataset.status === 'connected',
      null,
    );
    const before = (await positionIn(mo.page, lee.id))!;
    const room = served.rooms.room((await roomOf(lee.page))!)!;
    const dropped = firstValueFrom(room.server.dropped$);
    const reconnected = firstValueFrom(room.server.reconnected$);
    await lee.page.click('#drop');
    expect((await dropped).reason).toBe('disconnected');
    // Away, lee stays on mo's board, where it was.
    expect(await positionIn(mo.page, lee.id)).toEqual(before);
    const back = await reconnected;
    expect(back.client.scheme).toBe('rtc');
    await until(
      lee.page,
      'lee never came back',
      () => document.body.dataset.status === 'connected',
      null,
    );
    // The same player, in its place, for itself and for mo; it plays on.
    expect(await lee.page.evaluate(() => window.chase!.id)).toBe(lee.id);
    expect(await positionIn(lee.page, lee.id)).toEqual(before);
    expect(await positionIn(mo.page, lee.id)).toEqual(before);
    await lee.page.keyboard.down('ArrowDown');
    await until(
      mo.page,
      'mo never saw lee move after it came back',
      ([id, y]: readonly [string, number]) =>
        window.chase!.client.state.players[id]!.position[1] !== y,
      [lee.id, before[1]] as const,
    );
    await lee.page.keyboard.up('ArrowDown');
    // Switched to WebSocket, the link goes over one, the player the same.
    await lee.page.selectOption('#transport', 'websocket');
    await until(
      lee.page,
      'lee never played over a WebSocket',
      () =>
        document.body.dataset.link === 'websocket' && document.body.dataset.status === 'connected',
      null,
    );
    expect(await lee.page.evaluate(() => window.chase!.id)).toBe(lee.id);
    expect([...room.server.connections.keys()].some((key) => key.startsWith('ws://'))).toBe(true);
    await lee.page.screenshot({ path: join(screenshots, 'back.png') });
    expect(pageErrors).toEqual([]);
  });

  it("says in the lobby while the matchmaker's listing fails, and clears it once rooms come again", async () => {
    const page = await openLobby('hal');
    await until(page, 'the lobby never listed the rooms', () => window.rooms !== undefined, null);
    // The matchmaker's listing cannot be reached: the lobby's client asks again each second.
    await page.route('**/rooms/**', (route) => route.abort('connectionrefused'));
    await until(
      page,
      'the lobby never said it cannot reach the matchmaker',
      () =>
        /cannot reach the matchmaker/.test(document.getElementById('status')!.textContent ?? ''),
      null,
    );
    await page.unroute('**/rooms/**');
    await until(
      page,
      'the lobby kept saying it cannot reach the matchmaker',
      () => document.getElementById('status')!.textContent === '',
      null,
    );
    expect(await page.locator('#rooms tr', { hasText: 'Main room' }).count()).toBe(1);
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
    const { page } = await joinAs('gus');
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
    const { page, id } = await joinAs('fay', 'Main room', big.url);
    await until(
      page,
      'the stats never showed a rate of bytes received',
      () => /received\s+[\d.]+ k?B\/s/.test(document.getElementById('stats')!.textContent!),
      null,
    );
    const seen = await page.evaluate(() => window.chase!.client.state.players);
    const all = (big.rooms.room(MAIN_ROOM)!.store.getGameState() as Chase).players;
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
