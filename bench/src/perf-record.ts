/**
 * `--perf-record <dir>`: `perf record -g` on the bridge child over a scenario's timed span only,
 * so start-up and warm-up stay out of the samples. On-CPU samples, unlike --cpu-prof, whose
 * wall-clock samples charge descheduled time to whatever frame was running (a loaded machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sleep } from './time';

export interface PerfRecording {
  stop(): Promise<void>;
}

/** Starts perf on `pid` (writing `<dir>/<name>.perf.data`) and waits until it is attached. */
export async function startPerfRecord(dir: string, name: string, pid: number): Promise<PerfRecording> {
  const out = path.join(dir, `${name}.perf.data`);
  const perf: ChildProcess = spawn('perf', ['record', '-F', '1999', '-g', '-p', String(pid), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  perf.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => perf.once('exit', resolve));
  // perf prints nothing once attached; give it time to open its ring buffers.
  await sleep(500);
  if (perf.exitCode !== null) throw new Error(`perf record exited early: ${stderr.trim()}`);
  return {
    async stop() {
      perf.kill('SIGINT');
      const code = await exited;
      if (code !== 0 && code !== null) throw new Error(`perf record failed (${code}): ${stderr.trim()}`);
    },
  };
}
