/** Engine discovery as pure logic: the order of strategies, the docker context store, TLS, API negotiation. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverEngine, endpointCandidates, engineFacts, modemOptions, negotiateApiVersion } from '../../src/engine.js';
import { UsageError } from '../../src/errors.js';

const dirs: string[] = [];
function configDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cap-probe-docker-config-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writeContext(dir: string, name: string, host: string): void {
  const hash = createHash('sha256').update(name).digest('hex');
  mkdirSync(join(dir, 'contexts', 'meta', hash), { recursive: true });
  writeFileSync(join(dir, 'contexts', 'meta', hash, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
}

describe('endpointCandidates', () => {
  it('uses --host alone, before DOCKER_HOST', () => {
    const c = endpointCandidates({ host: 'tcp://engine:2375', env: { DOCKER_HOST: 'unix:///x.sock' } });
    expect(c).toEqual([expect.objectContaining({ source: 'flag', url: 'tcp://engine:2375' })]);
  });

  it('uses DOCKER_HOST alone when set, with TLS material from DOCKER_CERT_PATH', () => {
    const certs = configDir();
    writeFileSync(join(certs, 'ca.pem'), 'CA');
    const [c, ...rest] = endpointCandidates({ env: { DOCKER_HOST: 'tcp://engine:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } });
    expect(rest).toEqual([]);
    expect(c?.source).toBe('DOCKER_HOST');
    expect(c?.tls?.verify).toBe(true);
    expect(c?.tls?.ca?.toString()).toBe('CA');
    expect(modemOptions(c!)).toMatchObject({ protocol: 'https', host: 'engine', port: 2376 });
  });

  it('follows DOCKER_CONTEXT, then the current context of the config, through the context store', () => {
    const dir = configDir();
    writeContext(dir, 'remote', 'tcp://ctx-engine:2375');
    writeContext(dir, 'other', 'unix:///other.sock');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: 'other' }));
    expect(endpointCandidates({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'remote' } })).toEqual([expect.objectContaining({ source: 'context', url: 'tcp://ctx-engine:2375' })]);
    expect(endpointCandidates({ env: { DOCKER_CONFIG: dir } })).toEqual([expect.objectContaining({ source: 'context', url: 'unix:///other.sock', why: expect.stringContaining('currentContext') })]);
  });

  it('says so when the named context does not exist', () => {
    expect(() => endpointCandidates({ env: { DOCKER_CONFIG: configDir(), DOCKER_CONTEXT: 'ghost' } })).toThrow(/docker context "ghost"/);
  });

  it('falls back to the usual sockets, Docker first and Podman last', () => {
    const sockets = endpointCandidates({ env: { DOCKER_CONFIG: configDir(), XDG_RUNTIME_DIR: '/run/user/1000' } }).map((c) => c.url);
    expect(sockets[0]).toBe('unix:///var/run/docker.sock');
    expect(sockets).toContain('unix:///run/user/1000/docker.sock');
    expect(sockets.some((s) => s.endsWith('/.colima/default/docker.sock'))).toBe(true);
    expect(sockets.some((s) => s.endsWith('/.rd/docker.sock'))).toBe(true);
    expect(sockets.slice(-2)).toEqual(['unix:///run/podman/podman.sock', 'unix:///run/user/1000/podman/podman.sock']);
  });

  it('rejects malformed addresses as bad input', () => {
    expect(() => endpointCandidates({ env: { DOCKER_HOST: 'garbage' } })).toThrow(UsageError);
    expect(() => endpointCandidates({ env: { DOCKER_HOST: 'ftp://x' } })).toThrow(/unsupported scheme/);
    expect(() => endpointCandidates({ host: 'tcp://' })).toThrow(UsageError);
  });

  it('lets the chosen socket win over a DOCKER_HOST docker-modem would read itself', () => {
    expect(modemOptions({ source: 'flag', url: 'unix:///var/run/docker.sock', why: '' })).toMatchObject({ socketPath: '/var/run/docker.sock', host: undefined, protocol: undefined });
    expect(modemOptions({ source: 'flag', url: 'ssh://me@box:2222', why: '' })).toMatchObject({ protocol: 'ssh', host: 'box', port: 2222, username: 'me' });
  });
});

describe('negotiateApiVersion', () => {
  it("speaks the engine's version when older than ours, ours when newer", () => {
    expect(negotiateApiVersion('1.41')).toBe('1.41');
    expect(negotiateApiVersion('1.99')).toBe('1.47');
    expect(negotiateApiVersion(undefined)).toBe('1.47');
  });
});

describe('engineFacts', () => {
  it('names Podman and Docker, and reads rootless and proxies', () => {
    const podman = engineFacts({ Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine' }] }, { SecurityOptions: ['name=rootless'], HttpsProxy: 'http://proxy:3128' }, '1.41');
    expect(podman).toMatchObject({ engine: 'Podman', rootless: true, proxies: { https: 'http://proxy:3128' } });
    expect(engineFacts({ Components: [{ Name: 'Engine' }] }, {}, '1.41').engine).toBe('Docker Engine');
  });
});

describe('discoverEngine', () => {
  it('records every endpoint tried, and why each failed', async () => {
    const missing = '/tmp/cap-probe-no-engine-here.sock';
    const discovery = await discoverEngine({ host: `unix://${missing}` }, 500);
    expect(discovery.connection).toBeNull();
    expect(discovery.attempts).toEqual([expect.objectContaining({ url: `unix://${missing}`, ok: false, error: expect.stringContaining('no socket') })]);
  });
});
