#!/usr/bin/env node
/*
 * Builds rxgase's native UDP socket (udp.c, receive.c, send.c) into native/build/rxgase_udp.node, as `npm install`
 * runs it. The module is optional: where it cannot be built (not Linux, no C compiler, no Node
 * headers) this says why in one line and exits 0, and rxgase uses node:dgram. `npm rebuild rxgase`
 * runs it again, once a compiler is there.
 *
 * It takes whichever of cc, gcc and clang answers, and Node's headers from npm's `nodedir`, from
 * beside the running node, or from /usr/include/node or /usr/local/include/node. Three C files need
 * no node-gyp (nor the Python that node-gyp needs).
 */
'use strict';

const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, renameSync, rmSync } = require('node:fs');
const { dirname, join } = require('node:path');

const HERE = __dirname;
const SOURCES = ['udp.c', 'receive.c', 'send.c'].map((file) => join(HERE, file));
const TARGET = join(HERE, 'build', 'rxgase_udp.node');
const COMPILERS = ['cc', 'gcc', 'clang'];

function say(line) {
  process.stdout.write(`rxgase: ${line}\n`);
}

/** The first folder holding Node's N-API and libuv headers, or undefined. */
function headers() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find(
    (dir) => existsSync(join(dir, 'node_api.h')) && existsSync(join(dir, 'uv.h')),
  );
}

function build() {
  if (process.platform !== 'linux') {
    say(`the native UDP socket is for Linux; on ${process.platform}, rxgase uses node:dgram.`);
    return;
  }
  const include = headers();
  if (include === undefined) {
    say(
      "no Node headers (node_api.h, uv.h) found: rxgase uses node:dgram. Install Node's headers (or set npm's nodedir) and run `npm rebuild rxgase`.",
    );
    return;
  }
  mkdirSync(dirname(TARGET), { recursive: true });
  const building = `${TARGET}.${process.pid}`;
  const failures = [];
  for (const compiler of COMPILERS) {
    try {
      execFileSync(
        compiler,
        [
          '-O2',
          '-Wall',
          '-shared',
          '-fPIC',
          '-DNODE_GYP_MODULE_NAME=rxgase_udp',
          `-I${include}`,
          '-o',
          building,
          ...SOURCES,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      renameSync(building, TARGET);
      say(`built the native UDP socket with ${compiler} (${TARGET}).`);
      return;
    } catch (error) {
      rmSync(building, { force: true });
      const detail =
        error.code === 'ENOENT'
          ? 'not found'
          : String(error.stderr || error.message)
              .trim()
              .split('\n')[0];
      failures.push(`${compiler}: ${detail}`);
    }
  }
  say(
    `the native UDP socket was not built (${failures.join('; ')}): rxgase uses node:dgram. With a C compiler, \`npm rebuild rxgase\` builds it.`,
  );
}

try {
  build();
} catch (error) {
  say(`the native UDP socket was not built (${error.message}): rxgase uses node:dgram.`);
}
