/**
 * Imported first by the package's index, so that V8's young generation stops growing before
 * the rest of the bridge loads: loading its modules is the first burst that grows it (to 16 MiB
 * in the bench's runs when this was done at `Bridge.start`). young-generation.ts says why.
 */
import { stopYoungGenerationGrowth } from './young-generation';

stopYoungGenerationGrowth();
