// Every ```ts block under an @example tag in src/ is a program a reader may paste: each is written
// as a module importing from the installed package, type-checked against its published typings
// (dist/*.d.ts, through the exports map) and, unless it is browser-only, run in Node. An example
// with `// prints: TEXT` comments must print exactly those lines, in that order.
import { test, expect, beforeAll, afterAll } from 'vitest';
import ts from 'typescript';
import { readFileSync, readdirSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

interface DocExample {
  /** e.g. "src/train/trainer.ts Trainer.fit #1". */
  where: string;
  file: string;
  code: string;
  browserOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Files that src/browser.ts exports from directly, other than the shared api: only a browser runs them. */
function browserOnlyFiles(): Set<string> {
  const entry = readFileSync(join(src, 'browser.ts'), 'utf8');
  const specs = [...entry.matchAll(/from '(\.\/[^']+)\.js'/g)].map((m) => m[1]).filter((s) => s !== './api');
  return new Set(specs.map((s) => join(src, `${s}.ts`)));
}

/** The name a reader looks the declaration up by: `fn`, `Class`, `Class.member`. */
function symbolName(node: ts.Node): string {
  const own = (n: ts.Node): string | undefined => {
    const name = (n as { name?: ts.Node }).name;
    return name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;
  };
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => own(d)).join(', ');
  const name = own(node) ?? (ts.isConstructorDeclaration(node) ? 'constructor' : '(anonymous)');
  const parent = node.parent && (ts.isClassDeclaration(node.parent) || ts.isInterfaceDeclaration(node.parent)) ? own(node.parent) : undefined;
  return parent ? `${parent}.${name}` : name;
}

/** The ```ts blocks inside the @example sections of one doc comment (its raw text). */
function exampleBlocks(comment: string): string[] {
  const lines = comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''));
  const blocks: string[] = [];
  let inExample = false;
  let fence: string[] | null = null;
  for (const line of lines) {
    if (fence) {
      if (/^\s*```\s*$/.test(line)) {
        if (inExample) blocks.push(fence.join('\n'));
        fence = null;
      } else fence.push(line);
    } else if (/^\s*```/.test(line)) {
      if (inExample && !/^\s*```ts\s*$/.test(line)) throw new Error(`an @example block must be \`\`\`ts, got "${line.trim()}"`);
      fence = [];
    } else if (/^@\w+/.test(line)) inExample = line.startsWith('@example');
  }
  return blocks;
}

function collectExamples(): DocExample[] {
  const browserOnly = browserOnlyFiles();
  const found: DocExample[] = [];
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('@example')) continue;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      for (const doc of ts.getJSDocCommentsAndTags(node)) {
        if (!ts.isJSDoc(doc) || doc.parent !== node) continue;
        const blocks = exampleBlocks(doc.getText());
        blocks.forEach((code, i) => {
          const where = `${relative(root, file)} ${symbolName(node)}${blocks.length > 1 ? ` #${i + 1}` : ''}`;
          found.push({ where, file, code, browserOnly: browserOnly.has(file) });
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

const examples = collectExamples();
let dir: string;
const fileOf = new Map<DocExample, string>();

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) throw new Error('doc examples: build the package first (npm run build)');
  dir = mkdtempSync(join(tmpdir(), 'scratchnet-doc-examples-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'scratchnet'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  examples.forEach((ex, i) => {
    const name = `example-${String(i).padStart(3, '0')}.ts`;
    writeFileSync(join(dir, name), `// ${ex.where}\n${ex.code}\nexport {};\n`);
    fileOf.set(ex, join(dir, name));
  });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Type errors of `group` against the package's typings, each prefixed with the example's source and symbol. */
function typeErrors(group: DocExample[], options: ts.CompilerOptions): string[] {
  const byFile = new Map(group.map((ex) => [fileOf.get(ex)!, ex]));
  const program = ts.createProgram([...byFile.keys()], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    strict: true,
    skipLibCheck: true,
    typeRoots: [join(root, 'node_modules', '@types')],
    outDir: join(dir, 'out'),
    ...options,
  });
  const emitted = program.emit();
  return [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => {
    const ex = d.file && byFile.get(d.file.fileName);
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    return ex ? `${ex.where} (example line ${at}): ${text}` : `${d.file?.fileName ?? ''}: ${text}`;
  });
}

test('the main entry points carry examples', () => {
  const symbols = new Set(examples.map((ex) => ex.where.split(' ')[1]));
  for (const name of [
    'createBackend', 'Backend.tensor', 'TwoLayerNet', 'MultiLayerNet', 'SimpleConvNet', 'Sequential',
    'Trainer.fit', 'Trainer.fitAsync', 'Adam', 'SGD', 'warmup', 'oneCycle', 'loadMnist', 'saveNet', 'loadNet',
    'exportOnnx', 'grad', 'Variable.backward', 'fromArrays', 'saveNetToIndexedDB',
  ]) {
    expect(symbols, `no @example on ${name}`).toContain(name);
  }
  for (const ex of examples) expect(ex.code, `${ex.where} does not import from 'scratchnet'`).toMatch(/from 'scratchnet'/);
});

test('every example type-checks against the published typings (Node ones in Node, browser ones with the browser condition)', () => {
  const errors = [
    ...typeErrors(examples.filter((ex) => !ex.browserOnly), { types: ['node'] }),
    ...typeErrors(examples.filter((ex) => ex.browserOnly), { types: [], customConditions: ['browser'], noEmit: true }),
  ];
  expect(errors).toEqual([]);
}, 120_000);

test('every example that runs in Node runs and prints what it says', () => {
  const shared = resolve(root, '..', 'shared', 'datasets', 'mnist');
  // One thread each: the other test files run beside this one, and results are the same on any count.
  const env = { ...process.env, SCRATCHNET_THREADS: '1' };
  if (!env.SCRATCHNET_DATA && existsSync(shared)) env.SCRATCHNET_DATA = shared;
  const failures: string[] = [];
  for (const ex of examples.filter((e) => !e.browserOnly)) {
    const js = join(dir, 'out', fileOf.get(ex)!.slice(dir.length + 1).replace(/\.ts$/, '.js'));
    let out: string;
    try {
      out = execFileSync(process.execPath, [js], { cwd: dir, env, encoding: 'utf8', timeout: 120_000, stdio: 'pipe' });
    } catch (e) {
      failures.push(`${ex.where} failed: ${(e as { stderr?: string }).stderr || String(e)}`);
      continue;
    }
    const expected = [...ex.code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1].trim());
    if (expected.length === 0) continue;
    const printed = out.trim().split('\n').map((line) => line.trim());
    if (JSON.stringify(printed) !== JSON.stringify(expected)) {
      failures.push(`${ex.where} printed ${JSON.stringify(printed)}, its comments say ${JSON.stringify(expected)}`);
    }
  }
  expect(failures).toEqual([]);
}, 600_000);
