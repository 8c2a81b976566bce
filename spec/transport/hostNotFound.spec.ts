import { GameStateStore } from '../../lib/game/gameStateStore';
import { Backend } from '../../lib/backend/backend';
import { Client } from '../../lib/client/client';
import { resolveHostname } from '../../lib/client/platform';
import { HostNotFoundError, RxgaseError } from '../../lib/protocol/errors';
import { Server } from '../../lib/server/server';
import { createGameState } from '../../lib/state/gameState';
import { hostNotFound } from '../../lib/transport/hostNotFound';

/** An error as Node's lookup makes it. */
function lookupError(code: string, syscall = 'getaddrinfo'): Error {
  return Object.assign(new Error(`${syscall} ${code} game.example`), { code, syscall });
}

describe('hostNotFound', () => {
  it.each(['ENOTFOUND', 'ENODATA', 'EAI_NONAME'])(
    'makes %s a HostNotFoundError naming the hostname, the system error its cause',
    (code) => {
      const cause = lookupError(code);
      const error = hostNotFound('game.example', cause);
      expect(error).toBeInstanceOf(HostNotFoundError);
      expect(error).toBeInstanceOf(RxgaseError);
      expect(error).toMatchObject({
        code: 'ERR_HOST_NOT_FOUND',
        name: 'HostNotFoundError',
        hostname: 'game.example',
        cause,
        message: `the hostname "game.example" was not found: DNS has no address for it (${code})`,
      });
    },
  );

  it.each(['EAI_AGAIN', 'ESERVFAIL', 'ECONNREFUSED'])(
    "makes a lookup's %s a HostNotFoundError that says no DNS server answered",
    (code) => {
      const error = hostNotFound('game.example', lookupError(code));
      expect(error).toMatchObject({ code: 'ERR_HOST_NOT_FOUND', hostname: 'game.example' });
      expect((error as Error).message).toContain('could not be looked up: no DNS server answered');
    },
  );

  it('leaves errors that are not the name’s as they are: a port taken, a socket refused', () => {
    const taken = Object.assign(new Error('bind EADDRINUSE'), {
      code: 'EADDRINUSE',
      syscall: 'bind',
    });
    const refused = lookupError('ECONNREFUSED', 'send');
    expect(hostNotFound('game.example', taken)).toBe(taken);
    expect(hostNotFound('game.example', refused)).toBe(refused);
    expect(hostNotFound('game.example', 'odd')).toBe('odd');
    expect(hostNotFound('game.example', null)).toBe(null);
  });
});

// `.invalid` never resolves (RFC 6761): the system's own resolver says so, here and anywhere.
describe('a hostname that does not resolve, through the default resolver', () => {
  const NOWHERE = 'no-such-host.invalid';
  const notFound = {
    code: 'ERR_HOST_NOT_FOUND',
    hostname: NOWHERE,
    message: expect.stringContaining(`"${NOWHERE}"`),
    cause: expect.objectContaining({ code: expect.any(String) }),
  };

  it('fails resolveHostname', async () => {
    await expect(resolveHostname(NOWHERE)).rejects.toBeInstanceOf(HostNotFoundError);
  });

  it('fails Client.connect, and the client can connect again', async () => {
    const client = new Client();
    await expect(client.connect(7000, NOWHERE)).rejects.toMatchObject(notFound);
    expect(client.connection).toBeUndefined();
    await expect(client.connect(7000, NOWHERE)).rejects.toMatchObject(notFound);
  });

  it('fails Server.run and Backend.run, and the server can run elsewhere', async () => {
    const server = new Server(new GameStateStore(createGameState({})));
    await expect(server.run(0, NOWHERE)).rejects.toMatchObject(notFound);
    expect(server.address).toBeUndefined();
    const backend = new Backend(createGameState({}), () => ({}), {});
    await expect(backend.run(NOWHERE, 0)).rejects.toMatchObject(notFound);
    await server.run(0, '127.0.0.1');
    expect(server.address?.host).toBe('127.0.0.1');
    await server.shutdown();
  });
});
