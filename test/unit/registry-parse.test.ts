import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { classifyNetError } from '../../src/registry/http.js';
import { describeRateLimits, indexPlatforms, parseChallenge, parseRateLimits } from '../../src/registry/parse.js';
import { chooseProxy, noProxyMatches, proxyFromEnv, redactProxy } from '../../src/registry/proxy.js';
import { loadRegistries, parseRegistriesFile } from '../../src/registry/registries.js';

describe('auth challenges', () => {
  it('reads bearer realm and service, basic realm, and no challenge', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"')).toEqual({ method: 'bearer', scheme: 'Bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io' });
    expect(parseChallenge('Basic realm="Registry Realm"')).toMatchObject({ method: 'basic', realm: 'Registry Realm' });
    expect(parseChallenge(undefined)).toEqual({ method: 'other' });
  });
});

describe('rate limits', () => {
  it("parses Docker Hub's headers without hard-coded numbers", () => {
    const limits = parseRateLimits({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600', 'docker-ratelimit-source': '192.0.2.1' });
    expect(limits).toMatchObject({ limit: { limit: 100, windowSeconds: 21600 }, remaining: { limit: 76, windowSeconds: 21600 }, source: '192.0.2.1' });
    expect(describeRateLimits(limits)).toBe('100/6h, 76 left');
  });
  it('says none when no limit header is sent', () => {
    expect(parseRateLimits({ 'content-type': 'application/json' })).toBeUndefined();
    expect(describeRateLimits(undefined)).toBe('none announced');
  });
  it('reads x-ratelimit-* too', () => {
    expect(parseRateLimits({ 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999' })).toMatchObject({ limit: { limit: 5000 }, remaining: { limit: 4999 } });
  });
});

describe('manifests', () => {
  it('lists the platforms of an index, without attestations', () => {
    const body = JSON.stringify({ manifests: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }, { platform: { os: 'unknown', architecture: 'unknown' } }] });
    expect(indexPlatforms(body)).toEqual(['linux/amd64', 'linux/arm64/v8']);
  });
});

describe('proxy choice, as Go clients make it', () => {
  it('reads either case, upper first', () => {
    expect(proxyFromEnv({ https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:1', no_proxy: 'x' })).toEqual({ http: '', https: 'http://up:1', no: 'x' });
  });
  it('never proxies loopback; honours NO_PROXY domains, suffixes, CIDRs and ports', () => {
    const settings = { http: 'proxy:3128', https: 'http://proxy:3128', no: '.internal,example.com,10.0.0.0/8,registry.local:5000' };
    expect(chooseProxy(new URL('http://127.0.0.1:5000/v2/'), settings, 'env').proxy).toBeNull();
    expect(chooseProxy(new URL('https://ghcr.io/v2/'), settings, 'env').proxy).toBe('http://proxy:3128');
    expect(chooseProxy(new URL('http://ghcr.io/v2/'), settings, 'env').proxy).toBe('http://proxy:3128');
    expect(chooseProxy(new URL('https://a.internal/v2/'), settings, 'env').proxy).toBeNull();
    expect(chooseProxy(new URL('https://sub.example.com/v2/'), settings, 'env').proxy).toBeNull();
    expect(chooseProxy(new URL('https://10.1.2.3/v2/'), settings, 'env').proxy).toBeNull();
    expect(noProxyMatches(settings.no, 'registry.local', '5000')).toBe('registry.local:5000');
    expect(noProxyMatches(settings.no, 'registry.local', '443')).toBeUndefined();
    expect(noProxyMatches('*', 'anything', '1')).toBe('*');
  });
  it('redacts proxy credentials', () => {
    expect(redactProxy('http://user:secret@proxy:3128')).toBe('http://***@proxy:3128');
  });
});

describe('network errors', () => {
  it('tells a proxy refusal from dns, refused, tls and timeout', () => {
    expect(classifyNetError(Object.assign(new Error('Proxy response (403) !== 200 when HTTP Tunneling'), { proxy: 'http://p:1' }))).toMatchObject({ reason: 'blocked-by-proxy' });
    expect(classifyNetError(Object.assign(new Error('Proxy response (407) to CONNECT'), { proxy: 'http://p:1' })).message).toContain('p:1');
    expect(classifyNetError(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }))).toMatchObject({ status: 'unsupported', reason: 'dns' });
    expect(classifyNetError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({ reason: 'connection-refused' });
    expect(classifyNetError(Object.assign(new Error('unable to verify'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }))).toMatchObject({ reason: 'tls' });
    expect(classifyNetError(Object.assign(new Error('aborted'), { timedOut: true }))).toMatchObject({ status: 'unknown', reason: 'timeout' });
  });
});

describe('registries file', () => {
  it('names the file and the path inside it when an entry is wrong', () => {
    const text = JSON.stringify({ registries: [{ key: 'ghcr', name: 'x', api: 'ghcr.io', image: 'a:b' }, { key: 'gcr', name: 'y', api: 'gcr.io', image: 'no-tag' }] });
    expect(() => parseRegistriesFile(text, 'mine.json')).toThrow(UsageError);
    expect(() => parseRegistriesFile(text, 'mine.json')).toThrow(/mine\.json: registries\[1\]\.image: expected repository:tag/);
    expect(() => parseRegistriesFile('{"registries":[{"key":"quay","name":"q","api":"quay.io","image":"a:b"}]}', 'f.json')).toThrow(/f\.json: registries\[0\]\.key/);
    expect(() => parseRegistriesFile('not json', 'f.json')).toThrow(/f\.json: not JSON/);
  });
  it('replaces defaults by key and keeps the rest', () => {
    const defaults = loadRegistries(undefined, {});
    expect(defaults.map((r) => r.key)).toEqual(['dockerhub', 'ghcr', 'gcr', 'mcr', 'ecr-public', 'ecr-private']);
    expect(defaults.find((r) => r.key === 'gcr')?.domains).toEqual(['gcr.io', 'us.gcr.io', 'eu.gcr.io', 'asia.gcr.io']);
    expect(loadRegistries(undefined, { AWS_ACCOUNT_ID: '123456789012', AWS_REGION: 'eu-west-1' }).find((r) => r.key === 'ecr-private')?.api).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
  });
});
