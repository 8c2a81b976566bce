import { AddressPlaces } from '../../lib/server/addressPlaces';

describe('AddressPlaces', () => {
  it('holds at most max places an address, and gives them back', () => {
    const places = new AddressPlaces<object>(2);
    const [a, b, c] = [{}, {}, {}];
    places.take(a, '203.0.113.7');
    places.take(b, '203.0.113.7');
    expect(places.isFull('203.0.113.7')).toBe(true);
    expect(places.isFull('203.0.113.8')).toBe(false);
    expect(places.isFull('203.0.113.7', a)).toBe(false); // a client replacing itself
    places.release(a);
    expect(places.isFull('203.0.113.7')).toBe(false);
    places.take(c, '203.0.113.7');
    expect(places.held('203.0.113.7')).toBe(2);
  });

  it('counts the IPv6 addresses of one /64, and an IPv4 address seen mapped, as one address', () => {
    const places = new AddressPlaces<object>(2);
    places.take({}, '2001:db8:1:2::1');
    places.take({}, '2001:db8:1:2:aaaa::9');
    expect(places.isFull('2001:db8:1:2::77')).toBe(true);
    expect(places.isFull('2001:db8:1:3::1')).toBe(false);
    const mapped = {};
    places.take({}, '203.0.113.7');
    places.take(mapped, '::ffff:203.0.113.7');
    expect(places.isFull('203.0.113.7')).toBe(true);
    places.release(mapped);
    expect(places.held('203.0.113.7')).toBe(1);
  });
});
