/**
 * Imported first by the package's index, so that the bridge's V8 settings (v8-settings.ts) hold
 * before the rest of it loads, also for a program that does not start through the bin.
 */
import { applyV8Settings } from './v8-settings';

applyV8Settings();
