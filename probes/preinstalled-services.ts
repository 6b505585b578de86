/**
 * The document's "pre-installed databases": are PostgreSQL and Redis servers installed on the machine
 * cap-probe runs on, which versions, with which clients, and are they running (answering on 127.0.0.1)?
 * supported = a server binary is installed; the detail says whether it is running.
 */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { defineProbe, supported, unsupported, type Outcome } from '../src/define-probe.js';

/** The first executable of that name on PATH, then in the extra folders (Debian keeps postgres off PATH). */
export function findExecutable(name: string, extraDirs: readonly string[] = [], path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...extraDirs]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Debian/Ubuntu install each PostgreSQL major under /usr/lib/postgresql/<major>/bin, newest first here. */
function postgresLibDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => join(root, major, 'bin'));
}

async function version(binary: string): Promise<string | undefined> {
  const result = await execa(binary, ['--version'], { reject: false, timeout: 5_000 });
  return result.exitCode === 0 ? String(result.stdout).trim().split('\n')[0] : undefined;
}

/** Opens a TCP connection to 127.0.0.1:port; optionally writes a line and returns the first answer. */
export function tcpExchange(port: number, say?: string, timeoutMs = 1_500): Promise<{ open: boolean; answer?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (result: { open: boolean; answer?: string; error?: string }) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ open: socket.readyState === 'open', error: 'timeout' }));
    socket.on('error', (error: NodeJS.ErrnoException) => done({ open: false, error: error.code ?? error.message }));
    socket.once('connect', () => {
      if (say === undefined) return done({ open: true });
      socket.write(say);
    });
    socket.once('data', (data) => done({ open: true, answer: data.toString('utf8').trim() }));
  });
}

export default defineProbe({
  id: 'preinstalled-services',
  title: 'Pre-installed PostgreSQL and Redis: servers, clients, versions, running',
  decides: ['services.postgresql', 'services.redis'],
  needs: [],
  async run(ctx) {
    // Recorded rather than returned, so each row carries the time it took.
    await Promise.all([postgresql().then(ctx.record), redis().then(ctx.record)]);
  },
});

async function postgresql(): Promise<Outcome<'services.postgresql'>> {
  const id = 'services.postgresql';
  const libDirs = postgresLibDirs();
  const server = findExecutable('postgres', libDirs);
  const pgCtl = findExecutable('pg_ctl', libDirs);
  const client = findExecutable('psql');
  const isReady = findExecutable('pg_isready', libDirs);
  const tried = ['which postgres pg_ctl psql pg_isready (and /usr/lib/postgresql/*/bin)', 'postgres --version', 'psql --version'];
  const [serverVersion, clientVersion] = await Promise.all([server ? version(server) : undefined, client ? version(client) : undefined]);
  // Running: pg_isready where it exists (it speaks the protocol), else a bare TCP connect.
  let running: boolean;
  let runningHow: string;
  if (isReady) {
    tried.push('pg_isready -h 127.0.0.1 -p 5432');
    const ready = await execa(isReady, ['-h', '127.0.0.1', '-p', '5432', '-t', '2'], { reject: false, timeout: 5_000 });
    running = ready.exitCode === 0;
    runningHow = `pg_isready: ${String(ready.stdout).trim() || `exit ${ready.exitCode}`}`;
  } else {
    tried.push('TCP connect 127.0.0.1:5432');
    const tcp = await tcpExchange(5432);
    running = tcp.open;
    runningHow = `TCP 127.0.0.1:5432 ${tcp.open ? 'open' : tcp.error}`;
  }
  const facts = { server: server ?? null, serverVersion: serverVersion ?? null, pgCtl: pgCtl ?? null, client: client ?? null, clientVersion: clientVersion ?? null, pgIsReady: isReady ?? null, running, runningHow };
  const clientPart = client ? `client ${clientVersion ?? client}` : 'no psql client';
  if (server) {
    return supported(id, `server installed: ${serverVersion ?? server} (${server}); ${clientPart}; ${running ? 'running' : 'not running'} on 127.0.0.1:5432 (${runningHow})`, { tried, facts });
  }
  return unsupported(id, 'not-found', `no PostgreSQL server installed (${clientPart}${running ? '; yet something answers on 127.0.0.1:5432' : ''})`, { tried, facts });
}

async function redis(): Promise<Outcome<'services.redis'>> {
  const id = 'services.redis';
  const server = findExecutable('redis-server');
  const client = findExecutable('redis-cli');
  const tried = ['which redis-server redis-cli', 'redis-server --version', 'redis-cli --version', 'PING to 127.0.0.1:6379'];
  const [serverVersion, clientVersion] = await Promise.all([server ? version(server) : undefined, client ? version(client) : undefined]);
  // The inline PING works without redis-cli: +PONG, or -NOAUTH when it wants a password (still running).
  const ping = await tcpExchange(6379, 'PING\r\n');
  const running = ping.open && /^(\+PONG|-NOAUTH)/.test(ping.answer ?? '');
  const runningHow = ping.open ? `answered ${JSON.stringify(ping.answer ?? '')}` : `TCP 127.0.0.1:6379 ${ping.error}`;
  const facts = { server: server ?? null, serverVersion: serverVersion ?? null, client: client ?? null, clientVersion: clientVersion ?? null, running, runningHow };
  const clientPart = client ? `client ${clientVersion ?? client}` : 'no redis-cli client';
  if (server) {
    return supported(id, `server installed: ${serverVersion ?? server} (${server}); ${clientPart}; ${running ? 'running' : 'not running'} on 127.0.0.1:6379 (${runningHow})`, { tried, facts });
  }
  return unsupported(id, 'not-found', `no Redis server installed (${clientPart}${running ? '; yet a Redis answers on 127.0.0.1:6379' : ''})`, { tried, facts });
}
