/**
 * Pre-installed PostgreSQL and Redis, checked against `command -v`, `--version`, pg_isready and a PING sent
 * by the shell. A stand-in Redis answer on 127.0.0.1:6379 (when nothing listens there) checks "running".
 */
import { createServer, type Server } from 'node:net';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import preinstalled from '../../probes/preinstalled-services.js';
import { leftovers, runProbes, verdict } from '../support/harness.js';

async function sh(command: string): Promise<{ ok: boolean; out: string }> {
  const r = await execa('bash', ['-c', command], { reject: false, timeout: 10_000 });
  return { ok: r.exitCode === 0, out: String(r.stdout).trim() };
}

/** bash's /dev/tcp: does something answer PING on 127.0.0.1:6379? */
const redisAnswers = async () => (await sh(`exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\\r\\n' >&3 && timeout 2 head -c 5 <&3`)).out.match(/^(\+PONG|-NOAU)/) !== null;

describe('preinstalled-services probe against which, --version and the ports', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  it('finds the servers, clients and versions the shell finds, and whether they answer', async () => {
    const report = await runProbes([preinstalled]);

    const pgServer = await sh('command -v postgres || ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -1');
    const pg = verdict(report, 'services.postgresql');
    expect(pg.status).toBe(pgServer.ok && pgServer.out ? 'supported' : 'unsupported');
    const pgFacts = pg.evidence.facts as { serverVersion: string | null; clientVersion: string | null; running: boolean };
    if (pgServer.out) expect(pgFacts.serverVersion).toBe((await sh(`${pgServer.out.split('\n')[0]} --version`)).out);
    const psql = await sh('command -v psql');
    expect(pgFacts.clientVersion).toBe(psql.ok ? (await sh('psql --version')).out : null);
    const ready = await sh('command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -t 2 || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null');
    expect(pgFacts.running).toBe(ready.ok);

    const redisServer = await sh('command -v redis-server');
    const redis = verdict(report, 'services.redis');
    expect(redis.status).toBe(redisServer.ok ? 'supported' : 'unsupported');
    const redisFacts = redis.evidence.facts as { serverVersion: string | null; running: boolean };
    if (redisServer.ok) expect(redisFacts.serverVersion).toBe((await sh('redis-server --version')).out);
    expect(redisFacts.running).toBe(await redisAnswers());
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('sees a server answering PING on 127.0.0.1:6379 as running', async () => {
    if (await redisAnswers()) return; // a real Redis already answers: the first test covered it
    const server = createServer((socket) => {
      socket.on('error', () => undefined); // the probe hangs up as soon as it has its answer
      socket.once('data', () => socket.end('+PONG\r\n'));
    });
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(6379, '127.0.0.1', () => resolve(true));
    });
    if (!listening) return; // the port is taken by something else; nothing to learn here
    servers.push(server);
    expect(await redisAnswers()).toBe(true);
    const report = await runProbes([preinstalled]);
    expect((verdict(report, 'services.redis').evidence.facts as { running: boolean }).running).toBe(true);
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
