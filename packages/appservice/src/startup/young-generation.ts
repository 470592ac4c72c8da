/**
 * V8 doubles its young generation (new space) whenever many young objects survive a scavenge,
 * up to 16 MiB per semi-space on 64-bit: 32 MiB of pages that, once touched, stay resident for
 * good. A bridge's bursts (loading its modules, 200 puppets joining at once) are exactly that
 * pattern, so new space ended at 16-32 MiB while the objects it holds between scavenges are a
 * few MiB: the largest single part of the bridge's peak RSS. Stopping the growth keeps new space
 * at its first size (1 MiB per semi-space): peak RSS of the bench's 200-puppet runs about
 * 35 MiB lower, CPU per puppet and per message within noise, about 10 ms more CPU to start
 * (bench/results/2026-12-07-vm-puppet-memory.md). Objects that outlive it are promoted sooner,
 * which leaves more free space inside old-space pages.
 *
 * V8 reads the growth factor each time it would grow new space, so setting it at run time works
 * (unlike --max-semi-space-size, which only a command-line flag can set). It is process-wide:
 * BRIDGEKIT_YOUNG_GENERATION=grow leaves V8's default. Applied with the other V8 settings
 * before anything loads (v8-settings.ts).
 */
import { setV8FlagOnce } from './v8-flag';

/** Stops V8's young generation from growing (once per process), unless BRIDGEKIT_YOUNG_GENERATION=grow. */
export function stopYoungGenerationGrowth(env: NodeJS.ProcessEnv = process.env): boolean {
  return setV8FlagOnce('--semi-space-growth-factor=1', env, { variable: 'BRIDGEKIT_YOUNG_GENERATION', value: 'grow' });
}
