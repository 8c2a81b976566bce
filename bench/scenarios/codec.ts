import { Decoder, Encoder } from '@msgpack/msgpack';
import {
  decodeClientPackage,
  decodeServerPackage,
  encodeClientPackage,
  encodeServerPackage,
} from '../../lib/index';
import type { Result } from '../measure';
import { opsPerSecond } from '../measure';

/**
 * Client and server packages encoded and decoded per second, against bare @msgpack/msgpack (one
 * reused Encoder and Decoder) on the same payload: ratio = rxgase / bare.
 */
export function codec(ms = 1000): Result {
  const header = { sequence: 1000, ack: 999, ackBitfield: 0xffffffff };
  const event = { type: 'MOVE', args: ['ann', [12.5, 40.25]], kwargs: { speed: 2 } };
  const update = { players: { ann: { position: [12.5, 40.25] } }, countdown: 3.5, time_order: 77 };
  const client = { header, timeOrder: 76, events: [event] };
  const server = { header, update, events: [] };
  const rxgase = opsPerSecond(() => {
    decodeClientPackage(encodeClientPackage(client));
    decodeServerPackage(encodeServerPackage(server));
  }, ms);
  const encoder = new Encoder({ forceFloat32: true });
  const decoder = new Decoder();
  const eventMap = { type: event.type, handler_args: event.args, handler_kwargs: event.kwargs };
  const bare = opsPerSecond(() => {
    decoder.decode(encoder.encode(eventMap));
    decoder.decode(encoder.encode(update));
  }, ms);
  return {
    name: 'codec.package_vs_msgpack',
    value: rxgase,
    unit: 'pairs/s',
    baseline: bare,
    ratio: rxgase / bare,
  };
}
