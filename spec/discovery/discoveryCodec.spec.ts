import {
  DISCOVERY_REQUEST_SIZE,
  MAX_DISCOVERY_SIZE,
  decodeDiscovery,
  encodeDiscoveryAnswer,
  encodeDiscoveryRequest,
} from '../../lib/discovery/discoveryCodec';

const answer = (json: string): Uint8Array =>
  Uint8Array.from([0x52, 0x58, 0x47, 0x44, 2, ...new TextEncoder().encode(json)]);

describe('the discovery codec', () => {
  it('encodes a request as the magic RXGD and kind 1, padded with zeros to the largest answer', () => {
    const request = encodeDiscoveryRequest();
    expect(request.length).toBe(DISCOVERY_REQUEST_SIZE);
    expect(DISCOVERY_REQUEST_SIZE).toBe(MAX_DISCOVERY_SIZE);
    expect(Array.from(request.subarray(0, 5))).toEqual([0x52, 0x58, 0x47, 0x44, 1]);
    expect(request.subarray(5).every((byte) => byte === 0)).toBe(true);
    expect(decodeDiscovery(request)).toEqual({ kind: 'request' });
  });

  it('decodes a shorter request too (the responder weighs it), but not one padded with other bytes', () => {
    expect(decodeDiscovery(Uint8Array.of(0x52, 0x58, 0x47, 0x44, 1))).toEqual({ kind: 'request' });
    expect(decodeDiscovery(encodeDiscoveryRequest().subarray(0, 100))).toEqual({
      kind: 'request',
    });
    const padded = encodeDiscoveryRequest();
    padded[700] = 1;
    expect(() => decodeDiscovery(padded)).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
    );
  });

  it('fits every answer it encodes in the size of a request', () => {
    const name = 'x'.repeat(MAX_DISCOVERY_SIZE - 5 - '{"name":"","port":1}'.length);
    expect(encodeDiscoveryAnswer({ name, port: 1 }).length).toBe(DISCOVERY_REQUEST_SIZE);
    expect(() => encodeDiscoveryAnswer({ name: `${name}x`, port: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
    );
  });

  it('round-trips an answer, with and without the optional fields', () => {
    const full = { name: 'chase', port: 8080, webSocketPort: 8000, clients: 3 };
    expect(decodeDiscovery(encodeDiscoveryAnswer(full))).toEqual({ kind: 'answer', info: full });
    const bare = { name: 'q', port: 1 };
    expect(decodeDiscovery(encodeDiscoveryAnswer(bare))).toEqual({ kind: 'answer', info: bare });
  });

  it('keeps only the fields it knows', () => {
    expect(decodeDiscovery(answer('{"name":"a","port":2,"extra":true}'))).toEqual({
      kind: 'answer',
      info: { name: 'a', port: 2 },
    });
  });

  it('names what is wrong with a datagram that is not one of its own', () => {
    expect(() => decodeDiscovery(Uint8Array.of(0x52, 0x58))).toThrow(
      expect.objectContaining({ code: 'ERR_TRUNCATED_DATAGRAM' }),
    );
    expect(() => decodeDiscovery(Uint8Array.of(0xff, 0xd0, 0xfa, 0xb9, 1))).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL_ID_MISMATCH' }),
    );
    expect(() => decodeDiscovery(Uint8Array.of(0x52, 0x58, 0x47, 0x44, 9))).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
    );
    expect(() => decodeDiscovery(Uint8Array.of(0x52, 0x58, 0x47, 0x44, 1, 7))).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
    );
    expect(() => decodeDiscovery(new Uint8Array(MAX_DISCOVERY_SIZE + 1))).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
    );
  });

  it.each([
    ['not JSON', '{name'],
    ['not UTF-8', '\udc00'],
    ['null', 'null'],
    ['no name', '{"port":1}'],
    ['no port', '{"name":"a"}'],
    ['a port out of range', '{"name":"a","port":70000}'],
    ['a port that is not whole', '{"name":"a","port":1.5}'],
    ['a bad WebSocket port', '{"name":"a","port":1,"webSocketPort":0}'],
    ['a negative client count', '{"name":"a","port":1,"clients":-1}'],
  ])('refuses an answer with %s', (_what, json) => {
    const data =
      json === '\udc00' ? Uint8Array.of(0x52, 0x58, 0x47, 0x44, 2, 0xff, 0xfe) : answer(json);
    expect(() => decodeDiscovery(data)).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
    );
  });

  it('refuses to encode an answer over the size limit', () => {
    expect(() => encodeDiscoveryAnswer({ name: 'x'.repeat(MAX_DISCOVERY_SIZE), port: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
    );
  });
});
