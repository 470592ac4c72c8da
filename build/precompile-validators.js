// Writes the config validators generated at build time (see the core's config/precompiled.ts):
// compiling the schemas with ajv at every start-up was the largest single cost of a start. Runs
// after `tsc -b` in `npm run build`; each output sits next to the module that declares it, as
// `.cjs` so that the stale-output checks (which judge `.js` files by their `.ts` source) leave it be.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const dist = (p) => join(root, p);
const { precompiledValidatorSource } = require(dist('packages/appservice/dist/config/precompile-source.js'));

/** [module that exports the schema, export name, generated module] */
const schemas = [
  ['packages/appservice/dist/config/core-schema.js', 'CORE_CONFIG_SCHEMA', 'packages/appservice/dist/config/core-schema.validator.cjs'],
  ['packages/appservice/dist/registration/validate.js', 'REGISTRATION_SCHEMA', 'packages/appservice/dist/registration/validate.validator.cjs'],
  ['bridges/irc/dist/config/schema.js', 'IRC_SECTION_SCHEMA', 'bridges/irc/dist/config/schema.validator.cjs'],
];

for (const [from, name, to] of schemas) {
  const schema = require(dist(from))[name];
  if (schema === undefined) throw new Error(`precompile-validators: ${from} does not export ${name}`);
  writeFileSync(dist(to), precompiledValidatorSource(schema));
}
