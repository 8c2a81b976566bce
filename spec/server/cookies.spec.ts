import { COOKIE_WINDOW_MS, Cookies } from '../../lib/server/cookies';

const nonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const client = { host: '10.0.0.1', port: 4000 };

describe('Cookies', () => {
  it('verifies its own cookie for the same address and nonce, in its window and the next', () => {
    const cookies = new Cookies();
    const cookie = cookies.issue(client, nonce, 5_000);
    expect(cookie.length).toBe(20);
    expect(cookies.verify(cookie, client, nonce, 5_000)).toBe(true);
    expect(cookies.verify(cookie, client, nonce, 2 * COOKIE_WINDOW_MS - 1)).toBe(true);
    expect(cookies.verify(cookie, client, nonce, 2 * COOKIE_WINDOW_MS)).toBe(false);
    expect(cookies.verify(cookie, client, nonce, -1)).toBe(false);
  });

  it('refuses it for another address, port or nonce, or from another server', () => {
    const cookies = new Cookies();
    const cookie = cookies.issue(client, nonce, 0);
    expect(cookies.verify(cookie, { ...client, host: '10.0.0.2' }, nonce, 0)).toBe(false);
    expect(cookies.verify(cookie, { ...client, port: 4001 }, nonce, 0)).toBe(false);
    expect(cookies.verify(cookie, client, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 9), 0)).toBe(false);
    expect(new Cookies().verify(cookie, client, nonce, 0)).toBe(false);
  });

  it('refuses a forged or damaged cookie', () => {
    const cookies = new Cookies(new Uint8Array(32));
    const cookie = cookies.issue(client, nonce, 0);
    for (let i = 0; i < cookie.length; i++) {
      const damaged = new Uint8Array(cookie);
      damaged[i] = (damaged[i] as number) ^ 1;
      expect(cookies.verify(damaged, client, nonce, 0)).toBe(false);
    }
    expect(cookies.verify(cookie.subarray(1), client, nonce, 0)).toBe(false);
    // The same secret makes the same cookies: a restarted server with a kept secret knows them.
    expect(new Cookies(new Uint8Array(32)).verify(cookie, client, nonce, 0)).toBe(true);
  });

  it('redeems a good cookie once, and a bad one never', () => {
    const cookies = new Cookies();
    const cookie = cookies.issue(client, nonce, 0);
    expect(cookies.redeem(cookie, { ...client, port: 4001 }, nonce, 0)).toBe('bad');
    expect(cookies.redeem(cookie, client, nonce, 0)).toBe('good');
    expect(cookies.redeem(cookie, client, nonce, COOKIE_WINDOW_MS)).toBe('used');
    expect(cookies.redeem(cookie, client, nonce, 2 * COOKIE_WINDOW_MS)).toBe('bad');
    expect(cookies.forgotten).toBe(0);
  });

  it('forgets the oldest used cookies past its capacity, and counts them', () => {
    const cookies = new Cookies(undefined, 2);
    const nonces = [1, 2, 3].map((n) => Uint8Array.of(n, 0, 0, 0, 0, 0, 0, 0));
    const issued = nonces.map((n) => cookies.issue(client, n, 0));
    for (const [i, cookie] of issued.entries()) {
      expect(cookies.redeem(cookie, client, nonces[i]!, 0)).toBe('good');
    }
    expect(cookies.forgotten).toBe(1);
    expect(cookies.redeem(issued[2]!, client, nonces[2]!, 0)).toBe('used');
  });
});
