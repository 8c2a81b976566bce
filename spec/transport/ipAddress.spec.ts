import { SocketAddress } from 'node:net';
import fc from 'fast-check';
import { formatIp, parseIp } from '../../lib/transport/ipAddress';

/** The address as Node writes it (libuv's inet_ntop, as node:dgram gives a sender's address). */
function nodeText(text: string): string {
  return new SocketAddress({ address: text, family: 'ipv6' }).address;
}

/** The eight groups of `bytes`, uncompressed: text any parser takes. */
function longForm(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

/** Addresses with long runs of zero groups and the IPv4 forms, which random bytes seldom are. */
const addressBytes = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc
    .array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    })
    .map((groups) => Uint8Array.from(groups.flatMap((group) => [group >> 8, group & 0xff]))),
);

describe('IP addresses for the native UDP socket', () => {
  it('writes IPv6 addresses as Node does', () => {
    const cases: Record<string, string> = {
      '::': '::',
      '::1': '::1',
      '1::': '1::',
      '2001:db8:0:0:1:0:0:1': '2001:db8::1:0:0:1',
      '0:0:1:0:0:0:1:0': '0:0:1::1:0',
      '::ffff:127.0.0.1': '::ffff:127.0.0.1',
      '::1.2.3.4': '::1.2.3.4',
      '::ffff:0:1.2.3.4': '::ffff:0:102:304',
      '1:0:2:0:3:0:4:0': '1:0:2:0:3:0:4:0',
      'ABCD:EF01::': 'abcd:ef01::',
    };
    for (const [text, written] of Object.entries(cases)) {
      const ip = parseIp(text)!;
      expect([ip.family, formatIp(ip.family, ip.bytes)]).toEqual([6, written]);
      expect(nodeText(text)).toBe(written);
    }
  });

  it('reads and writes any IPv6 address as Node does', () => {
    fc.assert(
      fc.property(addressBytes, (bytes) => {
        const text = formatIp(6, bytes);
        expect(text).toBe(nodeText(longForm(bytes)));
        expect(Array.from(parseIp(text)!.bytes)).toEqual(Array.from(bytes));
        expect(Array.from(parseIp(longForm(bytes))!.bytes)).toEqual(Array.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads and writes IPv4 addresses in the first four bytes', () => {
    const ip = parseIp('192.168.1.254')!;
    expect(ip.family).toBe(4);
    expect(Array.from(ip.bytes)).toEqual([192, 168, 1, 254, ...new Array<number>(12).fill(0)]);
    expect(formatIp(4, ip.bytes)).toBe('192.168.1.254');
  });

  it("takes an IPv6 scope by the interface's number, or by its name where the name is known", () => {
    const interfaceIndex = (name: string): number => (name === 'eth0' ? 2 : 0);
    expect(parseIp('fe80::1%3')).toMatchObject({ family: 6, scope: 3 });
    expect(parseIp('fe80::1')).toMatchObject({ scope: 0 });
    expect(parseIp('fe80::1%eth0', interfaceIndex)).toMatchObject({ family: 6, scope: 2 });
    expect(parseIp('fe80::1%eth9', interfaceIndex)).toBeUndefined();
    expect(parseIp('fe80::1%eth0')).toBeUndefined();
    expect(parseIp('localhost')).toBeUndefined();
    expect(parseIp('1.2.3')).toBeUndefined();
  });
});
