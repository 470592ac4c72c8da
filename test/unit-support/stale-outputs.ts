import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Files in a package's `dist/` whose source is gone (`tsc -b` never deletes outputs; a renamed
 * `src/events.ts` leaves `dist/events.js` shadowing `dist/events/index.js`). `npm pack` would
 * ship them, and a consumer would load them.
 */
export function staleOutputs(packageDir: string): string[] {
  const dist = join(packageDir, 'dist');
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js') || entry.name.endsWith('.d.ts')) {
        const source = join(packageDir, 'src', relative(dist, path)).replace(/(\.d\.ts|\.js)$/, '.ts');
        if (!existsSync(source)) stale.push(relative(packageDir, path));
      }
    }
  };
  if (existsSync(dist)) walk(dist);
  return stale;
}

/** The message a test fails with when it finds stale outputs. */
export const CLEAN_BUILD_HINT = 'stale build outputs (their sources are gone); rebuild from scratch: rm -rf packages/appservice/dist && npm run build';
