import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The examples of docs/testing.md, the guide to the test kit, are type-checked against lib/ and
 * run, with `console.assert` made to throw: the guide's game test passes, or the build fails.
 */
const ROOT = join(__dirname, '../..');

/** Splits an example into its imports and the rest, which runs inside an async function. */
function asModule(source: string): string {
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
  const imports = lines.slice(0, end).join('\n');
  const body = lines.slice(end).join('\n');
  return `${imports}\nexport async function example(): Promise<void> {\n${body}\n}\n`;
}

/** The package's import paths, as lib/ has them. */
function fromLib(source: string): string {
  return source
    .replaceAll("from 'rxgase/testing'", `from '${join(ROOT, 'lib/testing/index')}'`)
    .replaceAll("from 'rxgase'", `from '${join(ROOT, 'lib/index')}'`);
}

const examples = [
  ...readFileSync(join(ROOT, 'docs/testing.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g),
].map((match, i) => ({
  fileName: join(ROOT, 'spec', 'testing', `guide-example-${i + 1}.ts`),
  source: asModule(fromLib(match[1] as string)),
}));

describe('the guide to testing in virtual time', () => {
  it('has its game test, importing rxgase and rxgase/testing', () => {
    expect(examples.length).toBeGreaterThanOrEqual(1);
    const [first] = examples;
    expect(first!.source).toContain(join(ROOT, 'lib/testing/index'));
    expect(first!.source).toContain(join(ROOT, 'lib/index'));
    expect(first!.source).toContain('loss: 0.25');
  });

  it('type-checks against the library', () => {
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
    const options = { ...config!.options, noEmit: true, noUnusedLocals: false };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, language) => {
      const example = examples.find((e) => e.fileName === fileName);
      return example
        ? ts.createSourceFile(fileName, example.source, language)
        : getSourceFile(fileName, language);
    };
    const program = ts.createProgram(
      examples.map((e) => e.fileName),
      options,
      host,
    );
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => examples.some((e) => e.fileName === d.file?.fileName))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 60_000);

  it.each(examples.map((e, i) => [i + 1, e] as const))(
    'example %i runs and its assertions hold',
    async (_n, example) => {
      const { outputText } = ts.transpileModule(example.source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      });
      const strictConsole = {
        ...console,
        log: () => undefined,
        assert: (condition: unknown, ...message: unknown[]) => {
          if (!condition) throw new Error(`guide assertion failed: ${message.join(' ')}`);
        },
      };
      const exports: { example?: () => Promise<void> } = {};
      const load = new Function('require', 'exports', 'console', outputText) as (
        require: NodeJS.Require,
        exports: object,
        console: Console,
      ) => void;
      load(require, exports, strictConsole as Console);
      await expect(exports.example?.()).resolves.toBeUndefined();
    },
    30_000,
  );
});
