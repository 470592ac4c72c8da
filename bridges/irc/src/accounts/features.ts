/**
 * Per-user feature toggles (`!feature <name> on|off`). The set of features is declared, with a
 * default each, so `!feature` can list them, a typo is refused with the list of names, and the
 * connector reads a plain boolean. Only explicit choices are stored.
 */
import type { StoreTables, UserId } from '@bridgekit/appservice';
import { AccountError } from './errors';
import { RowCache, rowKey } from './row-cache';

export interface FeatureSpec {
  /** `[a-z][a-z0-9-]*`, what the user types. */
  name: string;
  description: string;
  default: boolean;
}

export interface FeatureState {
  spec: FeatureSpec;
  enabled: boolean;
  /** True when the user chose this value; false when it is the default. */
  explicit: boolean;
}

/** The toggles the IRC bridge offers unless the connector passes its own list. */
export const DEFAULT_FEATURES: readonly FeatureSpec[] = [
  { name: 'autojoin', description: 'Rejoin your IRC channels when your connection comes back', default: true },
  { name: 'idle-disconnect', description: 'Let the bridge close your IRC connection when idle (your rooms stay joined)', default: true },
  { name: 'private-messages', description: 'Open a Matrix room when someone sends you a private message on IRC', default: true },
];

const FEATURE_NAME = /^[a-z][a-z0-9-]*$/;

export class FeatureToggles {
  private readonly byName: ReadonlyMap<string, FeatureSpec>;
  private readonly rows: RowCache<{ user_id: string; feature: string; enabled: number }>;

  constructor(tables: StoreTables, readonly specs: readonly FeatureSpec[] = DEFAULT_FEATURES, private readonly now: () => number = Date.now) {
    for (const spec of specs) {
      if (!FEATURE_NAME.test(spec.name)) throw new TypeError(`Feature name ${JSON.stringify(spec.name)} must match ${FEATURE_NAME}`);
    }
    this.byName = new Map(specs.map((s) => [s.name, s]));
    if (this.byName.size !== specs.length) throw new TypeError('Feature names must be unique');
    this.rows = new RowCache(tables);
  }

  /** Reads every stored choice (reads are from memory, row-cache.ts). */
  load(): Promise<void> {
    return this.rows.load('SELECT user_id, feature, enabled FROM irc_user_features', (r) => rowKey(r.user_id, r.feature));
  }

  isEnabled(userId: UserId, name: string): boolean {
    const spec = this.spec(name);
    const row = this.rows.get(rowKey(userId, spec.name));
    return row ? row.enabled === 1 : spec.default;
  }

  /** Resolves once stored. */
  set(userId: UserId, name: string, enabled: boolean): Promise<FeatureState> {
    const spec = this.spec(name);
    const value = enabled ? 1 : 0;
    return this.rows.put(rowKey(userId, spec.name), { user_id: userId, feature: spec.name, enabled: value }, (t) =>
      t.run(`INSERT INTO irc_user_features (user_id, feature, enabled, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (user_id, feature) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`, [userId, spec.name, value, this.now()]))
      .then(() => ({ spec, enabled, explicit: true }));
  }

  list(userId: UserId): FeatureState[] {
    const chosen = new Map([...this.rows.values()].filter((r) => r.user_id === userId).map((r) => [r.feature, r.enabled === 1]));
    return this.specs.map((spec) => {
      const value = chosen.get(spec.name);
      return { spec, enabled: value ?? spec.default, explicit: value !== undefined };
    });
  }

  private spec(name: string): FeatureSpec {
    const spec = this.byName.get(name.toLowerCase());
    if (!spec) {
      throw new AccountError('SETTING_INVALID', `There is no feature "${name}". Features: ${this.specs.map((s) => s.name).join(', ')}.`);
    }
    return spec;
  }
}
