import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/**
 * The TypeScript examples of the README and the guides in docs/, type-checked against lib/ and
 * run, with `console.assert` made to throw, so an example that no longer compiles or no longer
 * holds fails the build.
 *
 * A fence of ```ts is type-checked and run. A fence of ```ts no-run is type-checked only, with the
 * DOM's types besides Node's: for snippets that need a browser page or a server of their own.
 * Examples import from 'rxgase' (lib/index.ts) or an entry point beside it, 'rxgase/browser'
 * (lib/browser.ts) say.
 */
export interface MarkdownExample {
  /** The markdown file, relative to the repository, and the line its fence opens on. */
  readonly title: string;
  /** The name the type checker knows it by: a file that does not exist on disk. */
  readonly fileName: string;
  readonly source: string;
  readonly run: boolean;
  /** Where the example's code starts in the markdown file, and how many of its lines are imports. */
  readonly firstLine: number;
  readonly importLines: number;
}

const ROOT = join(__dirname, '../..');
const FENCE = /^```ts( no-run)?\n([\s\S]*?)^```$/gm;

/** The guides: every markdown file in docs/, its index included. */
export function guideFiles(): string[] {
  const docs = join(ROOT, 'docs');
  return readdirSync(docs, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => join(docs, entry.name))
    .sort();
}

/** Splits an example into its imports and the rest, which runs inside an async function. */
function asModule(source: string): { source: string; importLines: number } {
  const lines = source.split('\n');
  let end = 0;
  let inImport = false;
  lines.forEach((line, i) => {
    if (line.startsWith('import ')) inImport = true;
    if (inImport && line.trimEnd().endsWith(';')) {
      inImport = false;
      end = i + 1;
    }
  });
  const imports = lines
    .slice(0, end)
    .join('\n')
    .replace(/from 'rxgase(?:\/([a-z]+))?'/g, (_match, entry?: string) => {
      return `from '${join(ROOT, 'lib', entry ?? 'index')}'`;
    });
  const body = lines.slice(end).join('\n');
  return {
    source: `${imports}\nexport async function example(): Promise<void> {\n${body}\n}\n`,
    importLines: end,
  };
}

/** The examples of one markdown file, in order. */
export function examplesIn(file: string): MarkdownExample[] {
  const text = readFileSync(file, 'utf8');
  const name = relative(ROOT, file);
  return [...text.matchAll(FENCE)].map((match, i) => {
    const line = text.slice(0, match.index).split('\n').length;
    return {
      title: `${name}:${line}`,
      fileName: join(ROOT, 'spec', '__examples__', `${name.replaceAll('/', '_')}.${i + 1}.ts`),
      ...asModule(match[2] as string),
      run: match[1] === undefined,
      firstLine: line + 1,
    };
  });
}

/**
 * The type checker's messages about the examples, each prefixed with the example's title; empty
 * when they all compile under the repository's tsconfig.json (plus the DOM's types).
 */
export function typeErrors(examples: readonly MarkdownExample[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  const options: ts.CompilerOptions = {
    ...config!.options,
    lib: [...(config!.options.lib ?? []), 'lib.dom.d.ts'],
    noEmit: true,
    noUnusedLocals: false,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const byName = new Map(examples.map((e) => [e.fileName, e]));
  host.getSourceFile = (fileName, language) => {
    const example = byName.get(fileName);
    return example
      ? ts.createSourceFile(fileName, example.source, language)
      : getSourceFile(fileName, language);
  };
  const program = ts.createProgram([...byName.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).flatMap((d) => {
    const example = d.file && byName.get(d.file.fileName);
    if (!example) return [];
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.start === undefined) return [`${example.title}: ${message}`];
    // The wrapper adds one line, `export async function example()`, after the imports.
    const line = d.file!.getLineAndCharacterOfPosition(d.start).line;
    const inMarkdown = example.firstLine + line - (line > example.importLines ? 1 : 0);
    return [`${example.title.split(':')[0]}:${inMarkdown}: ${message}`];
  });
}

/** Runs an example as Node would, its `console.assert`s throwing and its `console.log` silent. */
export async function runExample(example: MarkdownExample): Promise<void> {
  const { outputText } = ts.transpileModule(example.source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const strictConsole = {
    ...console,
    log: () => undefined,
    assert: (condition: unknown, ...message: unknown[]) => {
      if (!condition) throw new Error(`${example.title}: assertion failed ${message.join(' ')}`);
    },
  };
  const exports: { example?: () => Promise<void> } = {};
  const load = new Function('require', 'exports', 'console', outputText) as (
    require: NodeJS.Require,
    exports: object,
    console: Console,
  ) => void;
  load(require, exports, strictConsole as Console);
  await exports.example!();
}

/**
 * The relative links of a markdown file whose target is not a file of the repository, as paths
 * from the repository's root. Anchors are not checked, nor links with a scheme.
 */
export function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```$/gm, '');
  return [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => relative(ROOT, join(dirname(file), target)))
    .filter((target) => !existsSync(join(ROOT, target)));
}
