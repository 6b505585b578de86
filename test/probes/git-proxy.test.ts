/**
 * git-proxy against the same git command run in the test. The only call off this machine is the default
 * remote's one `git ls-remote`, made by the probe and repeated here for ground truth; the other cases use
 * loopback: a refused port, and a local repository served over plain HTTP (git's dumb protocol).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gitProxy, { DEFAULT_GIT_REMOTE, redactUrl } from '../../probes/git-proxy.js';
import { leftovers, runProbes, verdict } from '../support/harness.js';

async function lsRemote(remote: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa('git', ['ls-remote', remote, 'HEAD'], { reject: false, timeout: 20_000, env: { GIT_TERMINAL_PROMPT: '0' } });
  return { ok: r.exitCode === 0, stdout: String(r.stdout).trim(), stderr: String(r.stderr) };
}

const git = (cwd: string, ...args: string[]) => execa('git', ['-c', 'user.name=cap-probe', '-c', 'user.email=cap-probe@localhost', ...args], { cwd });

describe('git-proxy probe against the same git command', () => {
  let dir: string;
  let server: Server;
  let localRemote: string;

  beforeAll(async () => {
    // A bare repository with one commit, made servable over dumb HTTP by update-server-info.
    dir = mkdtempSync(join(tmpdir(), 'cap-probe-git-'));
    const work = join(dir, 'work');
    await execa('git', ['init', '-q', '-b', 'main', work]);
    await git(work, 'commit', '-q', '--allow-empty', '-m', 'one');
    await execa('git', ['clone', '-q', '--bare', work, join(dir, 'repo.git')]);
    await execa('git', ['update-server-info'], { cwd: join(dir, 'repo.git') });
    server = createServer((req, res) => {
      const path = normalize(join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
      try {
        if (!path.startsWith(dir) || !statSync(path).isFile()) throw new Error('not a file');
        res.end(readFileSync(path));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    localRemote = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.git`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the default HTTPS remote exactly when git does, with the same reason', async () => {
    const report = await runProbes([gitProxy]);
    const row = verdict(report, 'security.git-proxy');
    const truth = await lsRemote(DEFAULT_GIT_REMOTE);
    expect(row.status).toBe(truth.ok ? 'supported' : row.status === 'unknown' ? 'unknown' : 'unsupported');
    if (/Could not resolve host/i.test(truth.stderr)) expect(row.reason).toBe('dns');
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('says connection-refused for a port where nothing listens, as git does', async () => {
    const remote = 'https://127.0.0.1:1/x.git';
    const report = await runProbes([gitProxy], { extraOptions: { gitRemote: remote } });
    const truth = await lsRemote(remote);
    expect(truth.ok).toBe(false);
    expect(truth.stderr).toMatch(/Couldn't connect|Connection refused/i);
    expect(verdict(report, 'security.git-proxy')).toMatchObject({ status: 'unsupported', reason: 'connection-refused' });
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reaches a local repository and reports the HEAD git sees', async () => {
    const report = await runProbes([gitProxy], { extraOptions: { gitRemote: localRemote } });
    const truth = await lsRemote(localRemote);
    const row = verdict(report, 'security.git-proxy');
    expect(row.status).toBe(truth.ok ? 'supported' : 'unsupported');
    expect(truth.ok).toBe(true);
    expect((row.evidence.facts as { head: string }).head).toBe(truth.stdout.split('\n')[0]);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('never puts proxy credentials in the evidence', () => {
    expect(redactUrl('http://user:secret@proxy:3128')).toBe('http://***@proxy:3128');
    expect(redactUrl('http://proxy:3128')).toBe('http://proxy:3128');
  });
});
