/**
 * Full garbage collections in a bridge the harness only spawned: the process runs with
 * `--inspect=127.0.0.1:0`, its log names the inspector's WebSocket, and the DevTools protocol's
 * HeapProfiler.collectGarbage is asked for. Neither bridge has to offer a GC hook of its own, so
 * both are read the same way.
 */
import { readFileSync } from 'node:fs';
import { WebSocket } from 'undici';
import { waitFor, withTimeout } from '../time';

/** The inspector's WebSocket URL, from the line Node prints when it starts listening. */
export async function inspectorUrl(logFile: string): Promise<string> {
  return waitFor('the bridge\'s inspector URL in its log', () => /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1], 10_000, 20);
}

/** Runs `rounds` full GCs through the inspector and resolves when the last one is done. */
export async function collectGarbage(url: string, rounds = 2): Promise<void> {
  const socket = new WebSocket(url);
  await withTimeout(new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)));
  }), 10_000, 'the inspector to accept');
  try {
    for (let id = 1; id <= rounds; id++) {
      const done = new Promise<void>((resolve) => {
        const onMessage = (event: { data: unknown }) => {
          if ((JSON.parse(String(event.data)) as { id?: number }).id !== id) return;
          socket.removeEventListener('message', onMessage);
          resolve();
        };
        socket.addEventListener('message', onMessage);
      });
      socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      await withTimeout(done, 30_000, 'a full GC in the bridge');
    }
  } finally {
    socket.close();
  }
}
