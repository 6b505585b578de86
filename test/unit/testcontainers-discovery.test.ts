import { describe, expect, it } from 'vitest';
import { effectiveUri, loadTcConfig, parseProperties, resolveTcHost, tcCandidates, tcDockerOptions, type DiscoveryEnvironment } from '../../src/testcontainers/discovery.js';

function environment(overrides: Partial<DiscoveryEnvironment> & { files?: Record<string, string>; sockets?: string[] } = {}): DiscoveryEnvironment {
  const files = overrides.files ?? {};
  const sockets = new Set(overrides.sockets ?? []);
  return {
    env: {},
    home: '/home/u',
    uid: 1000,
    platform: 'linux',
    exists: (path) => sockets.has(path),
    readProperties: (path) => files[path],
    ...overrides,
  };
}

const applicable = (d: DiscoveryEnvironment) => tcCandidates(d).filter((c) => c.uri !== undefined).map((c) => [c.strategy, c.uri]);

describe('the .properties format', () => {
  it('reads key=value, key: value and key value, skipping comments', () => {
    const p = parseProperties('# comment\n! also\ndocker.host=tcp://h:2375\ntc.host : tcp://cloud:1\nryuk.disabled true\n\n');
    expect([...p.entries()]).toEqual([['docker.host', 'tcp://h:2375'], ['tc.host', 'tcp://cloud:1'], ['ryuk.disabled', 'true']]);
  });
});

describe('Testcontainers strategy order', () => {
  it('lists the default socket, then rootless sockets, in that order', () => {
    const d = environment({ sockets: ['/var/run/docker.sock', '/run/user/1000/docker.sock'] });
    expect(applicable(d)).toEqual([
      ['UnixSocketStrategy', 'unix:///var/run/docker.sock'],
      ['RootlessUnixSocketStrategy', 'unix:///run/user/1000/docker.sock'],
    ]);
  });

  it('puts tc.host first and lets DOCKER_HOST override docker.host from the file', () => {
    const d = environment({
      env: { DOCKER_HOST: 'tcp://from-env:2375' },
      files: { '/home/u/.testcontainers.properties': 'tc.host=tcp://cloud:4242\ndocker.host=tcp://from-file:2375\n' },
    });
    const config = loadTcConfig(d);
    expect(config.origins).toMatchObject({ tcHost: '/home/u/.testcontainers.properties (tc.host)', dockerHost: 'DOCKER_HOST' });
    expect(applicable(d)).toEqual([
      ['TestcontainersHostStrategy', 'tcp://cloud:4242'],
      ['ConfigurationStrategy', 'tcp://from-env:2375'],
    ]);
  });

  it('prefers XDG_RUNTIME_DIR among rootless sockets and ignores an empty DOCKER_HOST', () => {
    const d = environment({ env: { XDG_RUNTIME_DIR: '/xdg', DOCKER_HOST: '' }, sockets: ['/xdg/docker.sock', '/home/u/.docker/run/docker.sock'] });
    expect(applicable(d)).toEqual([['RootlessUnixSocketStrategy', 'unix:///xdg/docker.sock']]);
  });

  it('says why each inapplicable strategy does not apply', () => {
    const reasons = tcCandidates(environment()).map((c) => c.why);
    expect(reasons).toEqual([
      'no tc.host in ~/.testcontainers.properties',
      'neither DOCKER_HOST nor docker.host in ~/.testcontainers.properties',
      'no /var/run/docker.sock',
      expect.stringContaining('none of /home/u/.docker/run/docker.sock'),
      'not on Windows',
    ]);
  });

  it("knows docker-modem puts a tcp DOCKER_HOST over a socket strategy's path", () => {
    expect(effectiveUri('unix:///var/run/docker.sock', { DOCKER_HOST: 'tcp://h:2375' })).toMatchObject({ uri: 'tcp://h:2375' });
    expect(effectiveUri('unix:///var/run/docker.sock', { DOCKER_HOST: 'h:2375' }).uri).toBe('tcp://h:2375');
    expect(effectiveUri('unix:///var/run/docker.sock', { DOCKER_HOST: 'unix:///other.sock' })).toEqual({ uri: 'unix:///var/run/docker.sock' });
    expect(effectiveUri('tcp://cloud:1', { DOCKER_HOST: 'tcp://h:2375' })).toEqual({ uri: 'tcp://cloud:1' });
    expect(effectiveUri('unix:///var/run/docker.sock', {})).toEqual({ uri: 'unix:///var/run/docker.sock' });
  });

  it('builds dockerode options as the strategies do', () => {
    expect(tcDockerOptions('tcp://h:2375')).toEqual({ host: 'h', port: '2375' });
    expect(tcDockerOptions('unix:///var/run/docker.sock')).toEqual({ socketPath: '/var/run/docker.sock' });
  });
});

describe('the host Testcontainers reaches containers at', () => {
  const socket = { strategy: 'UnixSocketStrategy' as const, uri: 'unix:///var/run/docker.sock', why: '', allowUserOverrides: true };
  const never = async () => undefined;

  it('honours TESTCONTAINERS_HOST_OVERRIDE, except for tc.host', async () => {
    const env = { TESTCONTAINERS_HOST_OVERRIDE: 'override.example' };
    expect((await resolveTcHost(socket, { env, inContainer: true, bridgeGateway: never, defaultGateway: never })).host).toBe('override.example');
    const cloud = { strategy: 'TestcontainersHostStrategy' as const, uri: 'tcp://cloud:4242', why: '', allowUserOverrides: false };
    expect(await resolveTcHost(cloud, { env, inContainer: false, bridgeGateway: never, defaultGateway: never })).toMatchObject({ host: 'cloud', source: 'endpoint hostname' });
  });

  it('uses localhost outside a container, and the bridge gateway inside one', async () => {
    expect((await resolveTcHost(socket, { env: {}, inContainer: false, bridgeGateway: async () => '172.17.0.1', defaultGateway: never })).host).toBe('localhost');
    expect(await resolveTcHost(socket, { env: {}, inContainer: true, bridgeGateway: async (n) => (n === 'bridge' ? '172.17.0.1' : undefined), defaultGateway: never })).toMatchObject({ host: '172.17.0.1', source: 'bridge gateway' });
  });

  it('falls back to the default gateway, then to localhost', async () => {
    expect(await resolveTcHost(socket, { env: {}, inContainer: true, bridgeGateway: never, defaultGateway: async () => '10.0.0.1' })).toMatchObject({ host: '10.0.0.1', source: 'default gateway' });
    const last = await resolveTcHost(socket, { env: {}, inContainer: true, bridgeGateway: async () => Promise.reject(new Error('no network')), defaultGateway: never });
    expect(last.host).toBe('localhost');
    expect(last.steps.join(' ')).toContain('alpine:3.14');
  });
});
