/** Every scenario, in the order the suite runs them (startup not first: it would pay for the build that npm run bench just did). */
import type { Scenario } from '../scenario';
import { burst } from './burst';
import { connect } from './connect';
import { endurance } from './endurance';
import { memory } from './memory';
import { pacedIrc } from './paced-irc';
import { pacedMatrix } from './paced-matrix';
import { reconnect } from './reconnect';
import { rooms } from './rooms';
import { scale } from './scale';
import { startup } from './startup';

export const SCENARIOS: readonly Scenario[] = [burst, pacedIrc, pacedMatrix, connect, memory, startup, reconnect, endurance, rooms, scale];
