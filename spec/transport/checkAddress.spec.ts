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
    '[::1]',
    'fe80::1%eth0',
    '2001:db8:0:0:0:0:0:1',
    '2001:db8::8a2e:370:7334',
    '::ffff:10.0.0.1',
    '1:2:3:4:5:6:7::',
  ])('takes %p', (hostname) => {
    expect(() => checkHostname(hostname)).not.toThrow();
  });

  it.each([
    ['', /is empty/],
    ['a b', /holds " "/],
    ['tab\there', /holds "\\t"/],
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
    ['localhost:8080', /not an IPv6 address/],
  ])('refuses %p, saying why', (hostname, why) => {
    expect(() => checkHostname(hostname)).toThrow(InvalidArgumentError);
    expect(() => checkHostname(hostname)).toThrow(why);
  });

  it.each([[42], [null], [undefined], [{ host: 'x' }]])('refuses %p: not a string', (value) => {
    expect(() => checkHostname(value)).toThrow(/the hostname must be a string/);
  });
});
