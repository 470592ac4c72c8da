/**
 * The config loader (core parseConfig + the IRC section) under generated YAML: the sample config
 * with values replaced, keys deleted and lines cut, and text that is no YAML at all. Whatever an
 * operator writes, the answer is the config or one ConfigError listing the problems, never a
 * TypeError or a stack trace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { ConfigError, parseConfig } from '@bridgekit/appservice';
import { fuzzParams, fuzzTimeout } from '../../../../test/fuzz/runs';
import { parseIrcConfig } from './parse';

const ROOT = join(__dirname, '../../../..');
const sampleText = readFileSync(join(ROOT, 'config.sample.yaml'), 'utf8');
const at = sampleText.indexOf('\n#irc:') + 1;
const uncommented = sampleText.slice(0, at) + sampleText.slice(at).split('\n').map((line) => line.replace(/^#/, '')).join('\n');
const sample = yaml.load(uncommented) as Record<string, unknown>;

/** Every path to a value in the sample (objects included), as key lists. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
}
const SAMPLE_PATHS = paths(sample).filter((p) => p.length > 0);

const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('', ' ', '-1', '1e400', 'NaN', '~', 'null', 'yes', '0x10', '10zb', '/etc/passwd', '/nonexistent/file', 'http://', 'not a url', '@:', '#', '$CHANNEL', '!x:y', '\u0000', 'é'.repeat(300)),
  fc.constantFrom(-1, 0, 1e400, Number.MAX_SAFE_INTEGER + 2, 65536, 3.5, true, null, [], {}),
);
type Mutation = { kind: 'set'; path: string[]; value: unknown } | { kind: 'delete'; path: string[] };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...SAMPLE_PATHS), value: oddValue }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...SAMPLE_PATHS) }),
);

function mutated(mutations: Mutation[]): string {
  const doc = structuredClone(sample);
  for (const m of mutations) {
    let node = doc as Record<string, unknown>;
    for (const key of m.path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) break;
      node = next as Record<string, unknown>;
    }
    const last = m.path[m.path.length - 1] as string;
    if (m.kind === 'delete') delete node[last];
    else node[last] = m.value;
  }
  return yaml.dump(doc, { skipInvalid: true });
}

/** The sample's text with lines dropped, cut or garbled: what a bad edit or a bad paste leaves. */
const damagedText = fc.array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'cut', 'tab', 'garble', 'dup')), { minLength: 1, maxLength: 4 }).map((edits) => {
  const lines = uncommented.split('\n');
  for (const [n, edit] of edits) {
    const i = n % lines.length;
    const l = lines[i] as string;
    if (edit === 'drop') lines.splice(i, 1);
    else if (edit === 'cut') lines[i] = l.slice(0, n % (l.length + 1));
    else if (edit === 'tab') lines[i] = `\t${l}`;
    else if (edit === 'garble') lines[i] = `${l}: [{"`;
    else lines.splice(i, 0, l);
  }
  return lines.join('\n');
});

const configText = fc.oneof(
  { weight: 4, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map(mutated) },
  { weight: 2, arbitrary: damagedText },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => yaml.dump(v, { skipInvalid: true })) },
);

function load(text: string): void {
  parseIrcConfig(parseConfig(text, '/etc/bridge', 'config.yaml', { sections: ['irc'] }));
}

describe('the config loader under generated YAML', () => {
  it('returns the config or throws one ConfigError naming the file and the keys, nothing else', () => {
    load(uncommented); // the unmutated sample loads: the generator starts from a valid config
    let refused = 0;
    fc.assert(fc.property(configText, (text) => {
      try {
        load(text);
      } catch (error) {
        refused++;
        if (!(error instanceof ConfigError)) throw error; // shows the real stack when it is a crash
        expect(error.message).toContain('config.yaml');
      }
    }), fuzzParams());
    expect(refused).toBeGreaterThan(0);
  }, fuzzTimeout(3));
});
