/**
 * The sockets of a load process's clients, each client at an address of its own, as a server
 * tells its clients by address. On Linux they live in a helper of the benchmark's own, `udpmux`
 * (udpmux.c, built with the system's C compiler on first use), which gives each client an address
 * on the loopback network (127.1.0.1 and on), 4 clients to a socket, and carries their datagrams
 * over a pipe many to a read or write: the load then takes a small share of the machine it shares
 * with the server under test (0.47 ms of CPU per client-second at 1,400 quickstart clients,
 * helper counted; 1.28 at 500 with a `node:dgram` socket for each client on 127.0.0.1, which
 * costs three system calls and a callback a datagram). Where the helper cannot be built, or
 * `RXGASE_BENCH_SOCKETS` is `dgram`, the clients get `node:dgram` sockets, and the load says so
 * on its standard error.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';

/**
 * What a load's clients' sockets hear: a datagram for client `index`, which reached its socket at
 * `at` (ms of `performance.now()`).
 */
export type Heard = (index: number, datagram: Buffer, at: number) => void;

/** The sockets of a load's clients. */
export interface LoadSockets {
  /** Which kind they are: the helper's or `node:dgram`'s. */
  readonly kind: 'udpmux' | 'node:dgram';
  /** Sends `datagram` from client `index`'s address to 127.0.0.1:`port`. */
  send(index: number, datagram: Uint8Array, port: number): void;
  /**
   * The CPU time the helper process has used so far, in ms; 0 where there is none, NaN where it
   * cannot be read.
   */
  helperCpuMs(): number;
  /** Closes every socket; nothing is heard after. */
  close(): void;
}

/**
 * The socket helper's frame headers: [u32 socket][u16 port][u16 length] in, [u32 socket][u16
 * length][u32 µs of CLOCK_MONOTONIC it arrived at, modulo 2^32] out.
 */
const IN_HEADER = 8;
const OUT_HEADER = 10;
const READY = 0xffff_ffff;
/** How much a burst of sends is buffered before it is handed to the helper. */
const OUT_CAPACITY = 1 << 20;
const RECEIVE_BUFFER = 256 * 1024;
/** How long the helper may take to bind its sockets. */
const READY_WITHIN_MS = 10_000;

/**
 * The sockets of `count` clients, each at an address of its own on the loopback network (the
 * helper's, see above) or, with `node:dgram`, at 127.0.0.1 on a port the system picks; each
 * datagram they hear told to `heard`.
 *
 * @param kind Which sockets: `udpmux` where the helper builds, `node:dgram` where it does not or
 *   `RXGASE_BENCH_SOCKETS=dgram`; `node:dgram` when asked.
 */
export async function openLoadSockets(
  count: number,
  heard: Heard,
  kind: 'best' | 'node:dgram' = 'best',
): Promise<LoadSockets> {
  if (kind === 'best' && process.env.RXGASE_BENCH_SOCKETS !== 'dgram') {
    const helper = socketHelper();
    if (typeof helper === 'string') return MuxSockets.open(helper, count, heard);
    noteFallback(helper.reason);
  }
  return DgramSockets.open(count, heard);
}

let fallbackNoted = false;
function noteFallback(reason: string): void {
  if (fallbackNoted) return;
  fallbackNoted = true;
  process.stderr.write(
    `the load's socket helper is not available (${reason}): its clients use node:dgram sockets, ` +
      `which take more of the machine the server shares\n`,
  );
}

/** The C compilers tried for the helper, in turn. */
const COMPILERS = ['cc', 'gcc', 'clang'];

/**
 * The helper's executable, built from udpmux.c with the first of {@link COMPILERS} that can when
 * missing or older than its source; or why it cannot be.
 */
function socketHelper(): string | { reason: string } {
  if (process.platform !== 'linux') return { reason: `it needs Linux, not ${process.platform}` };
  // Run from the sources, this file is in bench/load; compiled, in the benchmark's cache of them.
  const cacheMark = `${sep}node_modules${sep}.cache${sep}rxgase-bench${sep}`;
  const root = __dirname.includes(cacheMark)
    ? __dirname.slice(0, __dirname.indexOf(cacheMark))
    : join(__dirname, '..', '..');
  const source = join(root, 'bench', 'load', 'udpmux.c');
  const binary = join(root, 'node_modules', '.cache', 'rxgase-bench', 'udpmux');
  if (!existsSync(source)) return { reason: `${source} is missing` };
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  // Built under a name of its own and renamed: two load processes may build it at once.
  const building = `${binary}.${process.pid}`;
  mkdirSync(dirname(binary), { recursive: true });
  const failures: string[] = [];
  for (const compiler of COMPILERS) {
    try {
      execFileSync(compiler, ['-O2', '-o', building, source], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      renameSync(building, binary);
      return binary;
    } catch (error) {
      rmSync(building, { force: true });
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      failures.push(`${compiler}: ${stderr || String(error)}`);
    }
  }
  return { reason: `no C compiler could build ${source} (${failures.join('; ')})` };
}

/** The sockets in the helper: sends buffered until the end of the turn, then written at once. */
class MuxSockets implements LoadSockets {
  readonly kind = 'udpmux';
  private readonly out = Buffer.allocUnsafe(OUT_CAPACITY);
  private outLength = 0;
  private flushing = false;
  /** A frame the last chunk cut off, waiting for the rest. */
  private partial: Buffer | undefined;
  private readonly flush = (): void => this.write();

  private constructor(
    private readonly helper: ChildProcessByStdio<Writable, Readable, null>,
    private readonly heard: Heard,
  ) {}

  static open(binary: string, count: number, heard: Heard): Promise<LoadSockets> {
    const helper = spawn(binary, [String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      const sockets = new MuxSockets(helper, heard);
      const failed = (reason: string): void => {
        clearTimeout(late);
        helper.kill();
        reject(new Error(`the load's socket helper ${reason}`));
      };
      const late = setTimeout(
        () => failed(`did not bind its ${count} sockets in ${READY_WITHIN_MS} ms`),
        READY_WITHIN_MS,
      );
      helper.once('error', (error) => failed(`did not start: ${error.message}`));
      helper.once('exit', (code) => failed(`ended with ${code} before its sockets were bound`));
      sockets.ready = () => {
        clearTimeout(late);
        helper.removeAllListeners('exit');
        helper.removeAllListeners('error');
        // Past here, a helper that ends or stops taking frames ends the load: its counts would
        // be wrong, and the load's parent sees the process end with this reason.
        const lost = (reason: string): void => {
          if (sockets.closed) return;
          process.stderr.write(`the load's socket helper ${reason}\n`);
          process.exit(1);
        };
        helper.once('exit', (code, signal) => lost(`ended: ${code ?? signal}`));
        helper.stdin.on('error', (error) => lost(`stopped taking datagrams: ${error.message}`));
        resolve(sockets);
      };
      helper.stdout.on('data', sockets.taken);
    });
  }

  private ready: () => void = () => undefined;
  private closed = false;
  private readonly taken = (chunk: Buffer): void => this.take(chunk);

  send(index: number, datagram: Uint8Array, port: number): void {
    if (this.closed) return;
    if (this.outLength + IN_HEADER + datagram.length > OUT_CAPACITY) this.write();
    const out = this.out;
    const at = this.outLength;
    out.writeUInt32LE(index, at);
    out.writeUInt16LE(port, at + 4);
    out.writeUInt16LE(datagram.length, at + 6);
    out.set(datagram, at + IN_HEADER);
    this.outLength = at + IN_HEADER + datagram.length;
    // The sends of one turn go in one write, once the turn is done.
    if (!this.flushing) {
      this.flushing = true;
      queueMicrotask(this.flush);
    }
  }

  helperCpuMs(): number {
    // utime and stime, the 14th and 15th fields of /proc/PID/stat (after the command's
    // parenthesis), in clock ticks of 10 ms.
    try {
      const stat = readFileSync(`/proc/${this.helper.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // Unknown, and said so: NaN in the load's CPU, not a figure too low.
      return NaN;
    }
  }

  close(): void {
    this.write();
    this.closed = true;
    this.helper.stdout.off('data', this.taken);
    this.helper.stdin.end();
  }

  private write(): void {
    this.flushing = false;
    if (this.outLength === 0 || this.closed) return;
    // The stream may hold what it is given until it is written: it gets a copy.
    this.helper.stdin.write(Buffer.from(this.out.subarray(0, this.outLength)));
    this.outLength = 0;
  }

  /** Tells each whole frame of `chunk` to `heard`, when the helper took it from its socket. */
  private take(chunk: Buffer): void {
    if (this.partial !== undefined) {
      chunk = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    // The helper stamps each datagram with when it reached its socket, in µs of CLOCK_MONOTONIC,
    // process.hrtime's clock: its age is read against that clock now and taken off
    // performance.now(). (Signed: a stamp a hair ahead of now is no age of 71 minutes.)
    const nowMs = performance.now();
    const nowUs = Number(process.hrtime.bigint() / 1000n) % 0x1_0000_0000;
    let at = 0;
    while (chunk.length - at >= OUT_HEADER) {
      const length = chunk.readUInt16LE(at + 4);
      if (chunk.length - at < OUT_HEADER + length) break;
      const index = chunk.readUInt32LE(at);
      if (index === READY) this.ready();
      else {
        const ageUs = Math.max(0, (nowUs - chunk.readUInt32LE(at + 6)) | 0);
        const datagram = chunk.subarray(at + OUT_HEADER, at + OUT_HEADER + length);
        this.heard(index, datagram, nowMs - ageUs / 1000);
      }
      at += OUT_HEADER + length;
    }
    if (at < chunk.length) this.partial = chunk.subarray(at);
  }
}

/** A `node:dgram` socket for each client. */
class DgramSockets implements LoadSockets {
  readonly kind = 'node:dgram';

  private constructor(private readonly sockets: readonly Socket[]) {}

  static async open(count: number, heard: Heard): Promise<LoadSockets> {
    const sockets = await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const socket = createSocket({
          type: 'udp4',
          recvBufferSize: RECEIVE_BUFFER,
          lookup: loopback,
        });
        socket.on('message', (datagram) => heard(index, datagram, performance.now()));
        await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
        return socket;
      }),
    );
    return new DgramSockets(sockets);
  }

  send(index: number, datagram: Uint8Array, port: number): void {
    (this.sockets[index] as Socket).send(datagram, port, '127.0.0.1');
  }

  helperCpuMs(): number {
    return 0;
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
  }
}

/**
 * The load's sockets send to 127.0.0.1 only: its own answer, at once. node:dgram's default lookup
 * answers an IP address on the next tick, which costs a load process about a microsecond for each
 * of the 40 packages a second each of its clients sends: CPU the load takes from the machine the
 * server under test shares.
 */
const loopback = (
  host: string,
  _family: unknown,
  callback: (error: null, address: string, family: number) => void,
): void => callback(null, host, 4);
