import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_CONFIG_SCHEMA } from './core-schema';
import { precompiledValidatorSource } from './precompile-source';
import { precompiledValidator, usePrecompiledValidator } from './precompiled';
import { checkSection, type SectionSchema } from './schema';

// The generated module requires ajv's runtime helpers, so it is written inside the package,
// where `ajv` resolves, and removed afterwards.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(__dirname, '.precompiled-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh copy: validators are cached per schema object, so each case starts uncompiled. */
const coreSchema = (): SectionSchema => JSON.parse(JSON.stringify(CORE_CONFIG_SCHEMA)) as SectionSchema;

function generate(name: string, schema: SectionSchema): string {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, precompiledValidatorSource(schema));
  return file;
}

const BAD = { homeserver: { url: 'ftp://x', domain: 7 }, appservice: { port: 70000, colour: 'red' }, logging: { level: 'loud' } };
const GOOD = { homeserver: { url: 'http://127.0.0.1:8008', domain: 'example.org' }, appservice: {} };

describe('precompiled config validators', () => {
  it('fill the same defaults and report the same problems as a validator compiled at run time', () => {
    const generatedFor = coreSchema();
    usePrecompiledValidator(generatedFor, generate('core', generatedFor));
    expect(precompiledValidator(generatedFor)).toBeInstanceOf(Function);
    const runtime = coreSchema();

    const bad = checkSection(generatedFor, BAD, '');
    expect(bad.problems.length).toBeGreaterThan(3);
    expect(bad).toEqual(checkSection(runtime, BAD, ''));

    const good = checkSection(generatedFor, GOOD, '');
    expect(good.problems).toEqual([]);
    expect((good.value as { appservice: { port: number } }).appservice.port).toEqual(expect.any(Number));
    expect(good).toEqual(checkSection(runtime, GOOD, ''));
  });

  it('are ignored when generated from another version of the schema, which is then compiled at run time', () => {
    const older = coreSchema();
    const current = coreSchema();
    (current.properties as Record<string, SectionSchema>).extra = { type: 'string', default: 'added later' };
    usePrecompiledValidator(current, generate('stale', older));

    expect(precompiledValidator(current)).toBeUndefined();
    const { value, problems } = checkSection(current, GOOD, '');
    expect(problems).toEqual([]);
    expect((value as { extra: string }).extra).toBe('added later');
  });

  it('are ignored when the generated module is missing (a build without the generation step)', () => {
    const schema = coreSchema();
    usePrecompiledValidator(schema, join(dir, 'never-written.cjs'));
    expect(precompiledValidator(schema)).toBeUndefined();
    expect(checkSection(schema, BAD, '').problems.length).toBeGreaterThan(3);
  });
});
