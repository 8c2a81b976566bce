import { InvalidArgumentError } from '../../lib/protocol/errors';
import { checkHostname, checkPort } from '../../lib/transport/checkAddress';

describe('checkPort', () => {
  it.each([1, 80, 7000, 65535])('takes %p', (port) => {
    expect(() => checkPort(port, 1)).not.toThrow();
  });

  it('takes 0 only where the system may choose', () => {
    expect(() => checkPort(0, 0)).not.toThrow();
    expect(() => checkPort(0, 1)).toThrow(InvalidArgumentError);
  });

  it.each([
    [-1, 'got -1'],
    [65536, 'got 65536'],
    [1.5, 'got 1.5'],
    [NaN, 'got NaN'],
    ['80', 'got "80" (a string)'],
    [undefined, 'got a undefined'],
    [null, 'got null'],
  ])('refuses %p, showing what it got', (port, got) => {
    expect(() => checkPort(port, 0)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: expect.stringContaining(got),
      }),
    );
  });
});

describe('checkHostname', () => {
  it.each([
    'localhost',
    'server',
    'game.example.com',
    'game.example.com.',
    'my_host.local',
    'a-b.c-d',
    `${'a'.repeat(63)}.com`,
    `${'abcdefg.'.repeat(31)}abcde`,
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1%eth0',
    '2001:db8:0:0:0:0:0:1',
    '2001:db8::8a2e:370:7334',
    '::ffff:10.0.0.1',
    '1:2:3:4:5:6:7::',
  ])('takes %p', (hostname) => {
    expect(() => checkHostname(hostname)).not.toThrow();
  });

  it.each([
    ['', /is empty: give a name such as "localhost" or an address such as "127.0.0.1"/],
    ['a b', /holds a space, which a hostname cannot/],
    ['tab\there', /holds white space \("\\t"\)/],
    [' localhost ', /has white space around it: give "localhost"/],
    ['localhost/game', /holds a path, "\/game": give the hostname alone, "localhost"/],
    [`${'a'.repeat(64)}.com`, /label of 64 characters/],
    [`${'abcdefg.'.repeat(32)}abc`, /259 characters long/],
    ['.com', /empty label/],
    ['a..b', /empty label/],
    ['-a.com', /starts or ends with a hyphen/],
    ['a-.com', /starts or ends with a hyphen/],
    ['bücher.de', /punycode/],
    ['300.1.1.1', /not an IPv4 address/],
    ['1::2::3', /not an IPv6 address/],
    ['1:2:3:4:5:6:7:8:9', /not an IPv6 address/],
    ['1:2:3', /not an IPv6 address/],
    ['12345::1', /not an IPv6 address/],
    ['::ffff:300.0.0.1', /not an IPv6 address/],
    ['fe80::1%', /not an IPv6 address/],
    ['fe80::1%eth 0', /not an IPv6 address/],
    ['1:2:3:4:5:6:7:8:80', /not an IPv6 address/],
  ])('refuses %p, saying why', (hostname, why) => {
    expect(() => checkHostname(hostname)).toThrow(InvalidArgumentError);
    expect(() => checkHostname(hostname)).toThrow(why);
  });

  // The mistakes a user makes most: the port or the URL they would type in a browser.
  it.each([
    ['localhost:8080', '"localhost", and 8080 as the port argument', "connect(8080, 'localhost')"],
    ['127.0.0.1:7000', '"127.0.0.1", and 7000 as the port argument', "connect(7000, '127.0.0.1')"],
    ['[::1]:8080', '"::1", and 8080 as the port argument', "connect(8080, '::1')"],
  ])('refuses %p: the port goes in the port argument', (hostname, alone, example) => {
    expect(() => checkHostname(hostname)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: `the hostname ${JSON.stringify(hostname)} holds a port: give the hostname alone, ${alone} (as in ${example})`,
      }),
    );
  });

  it.each([
    ['localhost:', '":"'],
    ['localhost:http', '":http"'],
  ])('refuses %p: no hostname holds a colon and a port goes apart', (hostname, part) => {
    expect(() => checkHostname(hostname)).toThrow(
      `holds ${part}, which no hostname can; a port goes in the port argument`,
    );
  });

  it('refuses a port alone', () => {
    expect(() => checkHostname(':8080')).toThrow(/is a port with no hostname/);
  });

  it.each([
    ['http://x', '"x"'],
    ['ws://x:1', '"x", and 1 as the port argument'],
    ['HTTPS://Game.example.com/play?room=2', '"Game.example.com"'],
    ['udp://ann@game.example.com:9000', '"game.example.com", and 9000 as the port argument'],
    ['ws://[::1]:8080/', '"::1", and 8080 as the port argument'],
  ])('refuses the URL %p, naming the hostname in it', (hostname, alone) => {
    expect(() => checkHostname(hostname)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: `the hostname ${JSON.stringify(hostname)} is a URL, not a hostname: give the hostname in it, ${alone}`,
      }),
    );
  });

  it('refuses a URL with no host in it', () => {
    expect(() => checkHostname('http://')).toThrow(/is a URL, not a hostname, and names no host/);
  });

  it('refuses an IPv6 address in brackets, which belong in URLs: Node and WebSocket add their own', () => {
    expect(() => checkHostname('[::1]')).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message:
          'the hostname "[::1]" is in brackets, which belong in URLs only: give the IPv6 address alone, "::1"',
      }),
    );
    expect(() => checkHostname('[fe80::1%eth0]')).toThrow(
      /give the IPv6 address alone, "fe80::1%eth0"/,
    );
    expect(() => checkHostname('[game]')).toThrow(/"\[game\]" is not an IPv6 address/);
  });

  it.each([[42], [null], [undefined], [{ host: 'x' }]])('refuses %p: not a string', (value) => {
    expect(() => checkHostname(value)).toThrow(/the hostname must be a string/);
  });
});
