import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The `version` of the package.json at `packageDir` (a package's root: the parent of its src/ or
 * dist/, where compiled and test code both live). "unknown" when it cannot be read, which only
 * a broken install causes; a version is for reports, never worth failing over.
 */
export function packageVersion(packageDir: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** This core's version (@bridgekit/appservice). */
export const CORE_VERSION = packageVersion(join(__dirname, '..'));
