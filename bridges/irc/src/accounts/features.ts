/**
 * Per-user feature toggles (`!feature <name> on|off`). The set of features is declared, with a
 * default each, so `!feature` can list them, a typo is refused with the list of names, and the
 * connector reads a plain boolean. Only explicit choices are stored.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { UserId } from '@bridgekit/appservice';
import { AccountError } from './errors';

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
  private readonly selectAll: Statement<[string], { feature: string; enabled: number }>;
  private readonly selectOne: Statement<[string, string], { enabled: number }>;
  private readonly upsert: Statement<[string, string, number, number]>;

  constructor(db: Database, readonly specs: readonly FeatureSpec[] = DEFAULT_FEATURES, private readonly now: () => number = Date.now) {
    for (const spec of specs) {
      if (!FEATURE_NAME.test(spec.name)) throw new TypeError(`Feature name ${JSON.stringify(spec.name)} must match ${FEATURE_NAME}`);
    }
    this.byName = new Map(specs.map((s) => [s.name, s]));
    if (this.byName.size !== specs.length) throw new TypeError('Feature names must be unique');
    this.selectAll = db.prepare('SELECT feature, enabled FROM irc_user_features WHERE user_id = ?');
    this.selectOne = db.prepare('SELECT enabled FROM irc_user_features WHERE user_id = ? AND feature = ?');
    this.upsert = db.prepare(`INSERT INTO irc_user_features (user_id, feature, enabled, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (user_id, feature) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`);
  }

  isEnabled(userId: UserId, name: string): boolean {
    const spec = this.spec(name);
    const row = this.selectOne.get(userId, spec.name);
    return row ? row.enabled === 1 : spec.default;
  }

  set(userId: UserId, name: string, enabled: boolean): FeatureState {
    const spec = this.spec(name);
    this.upsert.run(userId, spec.name, enabled ? 1 : 0, this.now());
    return { spec, enabled, explicit: true };
  }

  list(userId: UserId): FeatureState[] {
    const chosen = new Map(this.selectAll.all(userId).map((r) => [r.feature, r.enabled === 1]));
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
