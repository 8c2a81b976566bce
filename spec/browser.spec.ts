import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import * as browser from '../lib/browser';
import * as rxgase from '../lib/index';

const ROOT = join(__dirname, '..');

/** Bundles the browser entry as `npm run build:browser` does, in memory. */
async function bundle(): Promise<{ text: string; metafile: Metafile }> {
  const result = await build({
    entryPoints: [join(ROOT, 'lib/browser.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { text: result.outputFiles[0]!.text, metafile: result.metafile };
}

const isNodeBuiltin = (path: string): boolean =>
  path.startsWith('node:') || builtinModules.includes(path.split('/')[0]!);

describe('the browser build', () => {
  let built: { text: string; metafile: Metafile };

  beforeAll(async () => {
    built = await bundle();
  }, 30_000);

  it('bundles everything it needs, importing nothing from outside', () => {
    const outputs = Object.values(built.metafile.outputs);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]!.imports).toEqual([]);
    expect(built.text).toMatch(/export \{/);
  });

  it('has no Node built-in in it', () => {
    const imported = Object.values(built.metafile.inputs).flatMap(({ imports }) =>
      imports.map(({ path }) => path),
    );
    expect(imported.filter(isNodeBuiltin)).toEqual([]);
    expect(built.text).not.toMatch(/\bfrom\s*["']node:|require\(["']node:|import\(["']node:/);
    const inputs = Object.keys(built.metafile.inputs);
    expect(inputs.some((path) => path.includes('udpTransport'))).toBe(false);
    expect(inputs.some((path) => path.includes('/ws/'))).toBe(false);
  });

  it('leaves the test kit out', () => {
    const inputs = Object.keys(built.metafile.inputs);
    expect(inputs.filter((path) => path.startsWith('lib/testing/'))).toEqual([]);
    expect(built.text).not.toMatch(/TestWorld|SimulatedLinks/);
  });

  it("takes the browser's platform defaults for the Client: WebSocket, no DNS", () => {
    const inputs = Object.keys(built.metafile.inputs);
    expect(inputs).toContain('lib/client/platform.browser.ts');
    expect(inputs).not.toContain('lib/client/platform.ts');
    expect(inputs).toContain('lib/transport/webSocketClient.ts');
  });

  it('exports the Client, under the same names as the Node entry', () => {
    expect(browser.Client).toBe(rxgase.Client);
    const names = Object.keys(browser);
    expect(names).toEqual(expect.arrayContaining(['Client', 'webSocketClientTransport']));
    expect(names.filter((name) => !(name in rxgase))).toEqual([]);
  });
});
