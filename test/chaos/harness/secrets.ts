/**
 * Every log of the run searched for the run's secrets: the appservice's as_token and hs_token,
 * Synapse's registration shared secret, the bridge's key files, and any IRC password a scenario
 * stored through the bridge. Scenarios add what they create with `rememberSecret`; the list is a
 * file in the run directory so every test file of the run contributes to it.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readE2eEnv } from '../../e2e/harness/env';

interface Secret { name: string; value: string }

const listFile = () => join(readE2eEnv().runDir, 'chaos-secrets.json');

function remembered(): Secret[] {
  return existsSync(listFile()) ? (JSON.parse(readFileSync(listFile(), 'utf8')) as Secret[]) : [];
}

export function rememberSecret(name: string, value: string): void {
  writeFileSync(listFile(), JSON.stringify([...remembered(), { name, value }]), { mode: 0o600 });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The run's secrets: tokens from the environment, key files from every bridge directory, and the remembered ones. */
export function secretsOfTheRun(): Secret[] {
  const env = readE2eEnv();
  const secrets: Secret[] = [
    { name: 'as_token', value: env.appservice.asToken },
    { name: 'hs_token', value: env.appservice.hsToken },
    { name: 'registration_shared_secret', value: env.homeserver.registrationSharedSecret },
  ];
  for (const path of filesUnder(join(env.runDir, 'bridges')).filter((p) => /\.key$/.test(p))) {
    const text = readFileSync(path, 'utf8').trim();
    // Key files hold base64 or hex text; search a long run of it, which no log line has by chance.
    if (text.length >= 16) secrets.push({ name: `key file ${path}`, value: text.slice(0, 32) });
  }
  return [...secrets, ...remembered()];
}

/** Every (log file, secret name) pair where a secret's value appears in a log of the run. */
export function secretsInLogs(): string[] {
  const env = readE2eEnv();
  const logs = filesUnder(env.logDir);
  const secrets = secretsOfTheRun();
  const hits: string[] = [];
  for (const log of logs) {
    const text = readFileSync(log, 'latin1');
    for (const s of secrets) if (text.includes(s.value)) hits.push(`${s.name} in ${log}`);
  }
  return hits;
}
