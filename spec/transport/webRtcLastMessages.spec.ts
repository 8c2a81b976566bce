import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { listenWebRtc } from '../../lib/transport/webRtcServer';
import type { WebRtcServerTransport } from '../../lib/transport/webRtcServer';

jest.setTimeout(30_000);

/*
 * node-datachannel reports a channel's messages, its close and its peer connection's state on
 * callbacks of their own, each with its own queue to the event loop. When the server's loop is
 * busy as a client sends its last messages (its farewell) and closes, all of them wait together:
 * the messages must still come out, and before the link is said closed.
 */

/** A data channel to `rtc`, opened by node-datachannel's W3C polyfill, as a browser's would be. */
async function openChannel(port: number) {
  const connection = new RTCPeerConnection();
  const channel = connection.createDataChannel('rxgase', { ordered: false, maxRetransmits: 0 });
  const opened = new Promise<void>((resolve) => channel.addEventListener('open', () => resolve()));
  await connection.setLocalDescription(await connection.createOffer());
  if (connection.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) =>
      connection.addEventListener('icegatheringstatechange', () => {
        if (connection.iceGatheringState === 'complete') resolve();
      }),
    );
  }
  const response = await fetch(`http://127.0.0.1:${port}/rxgase/rtc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sdp: connection.localDescription?.sdp }),
  });
  const { sdp } = (await response.json()) as { sdp: string };
  await connection.setRemoteDescription({ type: 'answer', sdp });
  await opened;
  return { connection, channel };
}

/** Keeps the event loop busy for `ms`, as a long game tick would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // nothing: the loop is held
  }
}

describe('a data channel that closes right after its last messages', () => {
  let rtc: WebRtcServerTransport;
  let http: HttpServer;
  let port: number;

  beforeEach(async () => {
    rtc = await listenWebRtc({ host: '127.0.0.1' });
    http = createServer((request, response) => {
      if (!rtc.handle(request, response)) response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
  });

  afterEach(async () => {
    rtc.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  /** What the server saw, in order: each message's first byte, then `closed`. */
  function seen(): { log: (number | 'closed')[]; closed: Promise<void> } {
    const log: (number | 'closed')[] = [];
    rtc.datagrams$.subscribe(({ data }) => log.push(data[0]!));
    const closed = new Promise<void>((resolve) =>
      rtc.closed$.subscribe(() => {
        log.push('closed');
        resolve();
      }),
    );
    return { log, closed };
  }

  it.each([
    ['its channel', false],
    ['its channel and its peer connection', true],
  ])(
    'gives the server its messages before the close, %s closing while the loop is busy',
    async (_what, closeConnection) => {
      const { connection, channel } = await openChannel(port);
      // Open at the server too: it took a first message (a client's handshake, say).
      const first = firstValueFrom(rtc.datagrams$);
      channel.send(Uint8Array.of(0));
      await first;
      const { log, closed } = seen();
      for (let i = 1; i <= 3; i++) channel.send(Uint8Array.of(i));
      // The messages reach the server's side of node-datachannel, which waits for the loop...
      busy(100);
      // ...as does the close that follows them.
      channel.close();
      if (closeConnection) connection.close();
      busy(200);
      await closed;
      // A turn more: a message that came after the close would show here.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(log).toEqual([1, 2, 3, 'closed']);
      connection.close();
    },
  );
});
