/**
 * The wire inspector: decodes PyGaSe datagrams and shows what a client makes of them.
 *
 *   npm run demo:inspect                          walk through the reference datagrams of PyGaSe
 *   npm run demo:inspect -- <hex> [<hex> ...]     decode your own datagrams (tcpdump, logs)
 *   npm run demo:inspect -- --kind client <hex>   decode as one kind only: package, client or server
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GameState, Header, Package } from '../../lib/index';
import {
  RxgaseError,
  acknowledges,
  applyUpdate,
  createGameState,
  decodeClientPackage,
  decodePackage,
  decodeServerPackage,
  isToDelete,
  sqnBack,
} from '../../lib/index';
import { UsageError, runDemo } from '../args';

const KINDS = {
  server: decodeServerPackage,
  client: decodeClientPackage,
  package: decodePackage,
} as const;
type Kind = keyof typeof KINDS;

const command = {
  usage: `Usage: npm run demo:inspect -- [--kind K] [HEX ...]

  HEX ...    datagrams in hex to decode (default: PyGaSe's reference datagrams, decoded and played)
  --kind K   decode as one kind only: ${Object.keys(KINDS).join(', ')} (default: each kind)`,
  flags: { kind: { type: 'string' } },
  positionals: true,
} as const;

runDemo(command, ({ values, positionals }) => {
  const only = values.kind;
  if (only !== undefined && !isKind(only)) {
    throw new UsageError(
      `--kind must be one of ${Object.keys(KINDS).join(', ')}, got ${JSON.stringify(only)}`,
    );
  }
  if (positionals.length === 0) return walkThroughReference();
  const datagrams = positionals.map((hex) => {
    const digits = hex.replace(/\s+/g, '');
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(digits)) {
      throw new UsageError(`${JSON.stringify(hex)} is not a datagram in hex (two digits a byte)`);
    }
    return Buffer.from(digits, 'hex');
  });
  for (const datagram of datagrams) inspect(datagram, only);
});

function isKind(text: string): text is Kind {
  return Object.hasOwn(KINDS, text);
}

/** Decodes one datagram as each kind it could be, or as the one asked for. */
function inspect(datagram: Uint8Array, only: Kind | undefined): void {
  console.log(`\n${datagram.length} bytes: ${Buffer.from(datagram).toString('hex')}`);
  for (const kind of only ? [only] : (Object.keys(KINDS) as Kind[])) {
    try {
      console.log(`  as a ${kind === 'package' ? 'plain' : kind} package:`);
      console.log(describe(KINDS[kind](datagram)));
    } catch (error) {
      if (!(error instanceof RxgaseError)) throw error;
      console.log(`    does not decode: ${error.code} (${error.message})`);
    }
  }
}

/** Decodes PyGaSe's reference datagrams and plays the server's updates into a client's state. */
function walkThroughReference(): void {
  const path = join(__dirname, '../../spec/fixtures/pygase-wire.json');
  let file: { vectors: { name: string; kind: Kind; hex: string }[] };
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    console.error(`The reference datagrams are not at ${path}; pass datagrams in hex instead.`);
    process.exitCode = 1;
    return;
  }
  let state: GameState = createGameState({});
  console.log('PyGaSe reference datagrams, decoded by rxgase:');
  for (const vector of file.vectors) {
    const pkg = KINDS[vector.kind](Buffer.from(vector.hex, 'hex'));
    const kind = vector.kind === 'package' ? 'plain' : vector.kind;
    console.log(`\n${vector.name} (${kind} package, ${vector.hex.length / 2} bytes)`);
    console.log(describe(pkg));
    if ('update' in pkg) {
      state = applyUpdate(state, pkg.update as GameState);
      console.log(`  the client's game state is now:\n    ${show(state)}`);
    }
  }
}

function describe(pkg: Package): string {
  const lines = [`    header  ${showHeader(pkg.header)}`];
  if ('timeOrder' in pkg) lines.push(`    client has time_order ${String(pkg.timeOrder)}`);
  if ('update' in pkg) lines.push(`    update  ${show(pkg.update)}`);
  for (const event of pkg.events) {
    lines.push(`    event   ${event.type} args ${show(event.args)} kwargs ${show(event.kwargs)}`);
  }
  if (pkg.events.length === 0) lines.push('    (no events)');
  return lines.join('\n');
}

function showHeader({ sequence, ack, ackBitfield }: Header): string {
  const acked: number[] = [];
  for (let back = 1; back <= 32 && ack !== 0; back++) {
    const sqn = sqnBack(ack, back);
    if (acknowledges({ sequence, ack, ackBitfield }, sqn)) acked.push(sqn);
  }
  const also = acked.length > 0 ? `, also acks ${acked.join(' ')}` : '';
  return `sequence ${sequence}, ack ${ack}${also}`;
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (isToDelete(v)) return 'TO_DELETE';
    if (v instanceof Uint8Array) return `<${v.length} bytes>`;
    if (typeof v === 'bigint') return `${v}n`;
    return v;
  });
}
