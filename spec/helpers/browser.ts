import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium } from 'playwright-core';
import type PackedChromium from '@sparticuz/chromium' with { 'resolution-mode': 'import' };
import type { Browser } from 'playwright-core';

// Its `types` condition comes before `require`, so TypeScript sees only the ES module's types and
// refuses to import it from CommonJS; its CommonJS build is the same class.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const packedChromium = require('@sparticuz/chromium') as typeof PackedChromium;

/** Where the Chromium that the browser specs drive came from. */
export type ChromiumSource = 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';

export interface FoundChromium {
  readonly executablePath: string;
  readonly source: ChromiumSource;
}

/** Names a system Chromium or Chrome goes by, tried in this order. */
export const SYSTEM_CHROMIUM_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
] as const;

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first system Chromium or Chrome: in /usr/bin, then on `PATH`. */
export function findSystemChromium(path = process.env.PATH ?? ''): string | undefined {
  const dirs = ['/usr/bin', ...path.split(delimiter).filter((dir) => dir !== '')];
  for (const name of SYSTEM_CHROMIUM_NAMES) {
    const found = dirs.map((dir) => join(dir, name)).find(isExecutable);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Finds a Chromium for the browser specs, so that `npm ci && npm test` needs nothing else on the
 * machine: `CHROMIUM_PATH` if set; else a system Chromium or Chrome; else the headless Chromium of
 * the dev dependency `@sparticuz/chromium`. That one is shipped inside its npm package,
 * brotli-compressed, so `npm ci` fetches it from the npm registry like any other package and no
 * install script downloads anything; it is extracted to the temp dir on first use. It is a Linux
 * x64 build: elsewhere, set `CHROMIUM_PATH` or install Chrome.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<FoundChromium> {
  const explicit = env.CHROMIUM_PATH;
  if (explicit !== undefined && explicit !== '') {
    if (!isExecutable(explicit)) {
      throw new Error(`CHROMIUM_PATH is ${explicit}, which is not an executable file`);
    }
    return { executablePath: explicit, source: 'CHROMIUM_PATH' };
  }
  const system = findSystemChromium(env.PATH);
  if (system !== undefined) return { executablePath: system, source: 'system' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `No Chromium found: set CHROMIUM_PATH or install Chrome (@sparticuz/chromium is for ` +
        `Linux x64, this is ${process.platform} ${process.arch})`,
    );
  }
  return { executablePath: await packedChromium.executablePath(), source: '@sparticuz/chromium' };
}

/**
 * Launches headless Chromium from {@link findChromium} with no flags of our own: Playwright's
 * defaults already run it headless, without the sandbox (which root in a container cannot have)
 * and without background networking. None of `@sparticuz/chromium`'s own flags are passed: they
 * are for AWS Lambda, and some (`--single-process`, `--disable-web-security`) would make the page
 * behave unlike a browser's.
 */
export async function launchChromium(): Promise<Browser> {
  const { executablePath } = await findChromium();
  return chromium.launch({ executablePath, timeout: 30_000 });
}
