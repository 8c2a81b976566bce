import { placeKey } from '../../lib/transport/placeKey';

describe('placeKey', () => {
  it('keeps an IPv4 address, and a name on an in-memory network, as they are', () => {
    expect(placeKey('203.0.113.7')).toBe('203.0.113.7');
    expect(placeKey('ann')).toBe('ann');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address, in every spelling', () => {
    for (const mapped of [
      '::ffff:203.0.113.7',
      '::FFFF:203.0.113.7',
      '::ffff:cb00:7107',
      '0:0:0:0:0:ffff:203.0.113.7',
    ]) {
      expect(placeKey(mapped)).toBe('203.0.113.7');
    }
  });

  it('counts an IPv6 address by its /64, so one home cannot take places by picking addresses', () => {
    const key = placeKey('2001:db8:1:2::1');
    for (const same of [
      '2001:db8:1:2:aaaa::1',
      '2001:0db8:0001:0002:ffff:ffff:ffff:ffff',
      'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::9'),
    ]) {
      expect(placeKey(same)).toBe(key);
    }
    expect(key).toBe('2001:db8:1:2::/64');
    expect(placeKey('2001:db8:1:3::1')).not.toBe(key);
  });

  it('leaves what is not an IPv6 address as it is', () => {
    for (const odd of ['1::2::3', '::ffff:300.1.1.1', 'g::1', '1:2:3:4:5:6:7:8:9']) {
      expect(placeKey(odd)).toBe(odd);
    }
  });
});
