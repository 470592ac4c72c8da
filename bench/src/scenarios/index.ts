/** Every scenario, in the order the suite runs them (cheap ones first). */
import type { Scenario } from '../scenario';
import { burst } from './burst';
import { connect } from './connect';
import { memory } from './memory';
import { pacedIrc } from './paced-irc';
import { pacedMatrix } from './paced-matrix';
import { reconnect } from './reconnect';
import { startup } from './startup';

export const SCENARIOS: readonly Scenario[] = [startup, burst, pacedIrc, pacedMatrix, connect, memory, reconnect];
