import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

// The API reference (`npm run docs:api`) is generated from the types; every exported class,
// interface, type and constant of both entry points must carry a doc comment, and every
// {@link} must resolve. TypeDoc checks both; here any warning fails the test.
it('typedoc documents the public API without a warning', () => {
  const root = resolve(__dirname, '../../..');
  const result = spawnSync('npx', ['typedoc', '--options', 'packages/appservice/typedoc.json', '--emit', 'none', '--treatWarningsAsErrors', '--disableSources'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const warnings = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /\[(warning|error)\]/.test(line));
  expect(warnings).toEqual([]);
  expect(result.status).toBe(0);
}, 120_000);
