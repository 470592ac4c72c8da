/** What the harness and the bridge child (child.ts) say to each other over IPC. */

export interface ChildSpec {
  /** The bridge config (YAML), as `bridgekit-irc run --config` would read it. */
  configPath: string;
  /** Install the latency probes (probes.ts); off for CPU measurements. */
  instrument: boolean;
  ircPort: number;
  botNick: string;
  /** Experiments that change the bridge's surroundings (never its code); see main.ts --experiment. */
  experiments: string[];
}

export type ChildCommand = 'stats' | 'gc' | 'puppets' | 'probes' | 'metrics' | 'watch' | 'watched' | 'heap-snapshot' | 'pauses' | 'stop';

export interface ChildRequest {
  id: number;
  cmd: ChildCommand;
}

export type ChildReply =
  | { type: 'ready'; port: number; startMs: number }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

export interface ChildStats {
  at: number;
  cpu: NodeJS.CpuUsage;
  memory: NodeJS.MemoryUsage;
}

export interface PuppetCounts {
  total: number;
  connected: number;
  /** Channels the puppets are in, per their own connections (the server confirmed the JOIN). */
  joinedChannels: number;
  botConnected: boolean;
  /** Lines waiting in the bot's send queue (channel-mode queries after joins among them). */
  botQueued: number;
  /** Since 'watch': registrations of puppets and their own channel JOINs confirmed by the server. */
  registeredSinceWatch: number;
  joinedSinceWatch: number;
  /** Summed over puppets: lines that waited for flood control, and how long in total. */
  floodDelayed: number;
  floodWaitMs: number;
  linesSent: number;
}

/** Monotonic times of puppet registrations and self-JOINs since 'watch'. */
export interface WatchedTimes {
  registered: number[];
  joined: number[];
}

/** Where the bridge's event loop stood still since the last 'pauses' (then reset). */
export interface Pauses {
  /** Event-loop delay (perf_hooks.monitorEventLoopDelay, 5 ms resolution). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Garbage-collection pauses (PerformanceObserver 'gc'). */
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
}
