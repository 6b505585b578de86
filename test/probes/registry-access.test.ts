import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import registryAccess from '../../probes/registry-access.js';
import type { CapabilityId } from '../../src/catalogue.js';
import { loadRegistries } from '../../src/registry/registries.js';
import type { Report } from '../../src/report.js';
import type { RunEvent } from '../../src/runner.js';
import { docker, leftovers, runProbes, verdict } from '../support/harness.js';
import { credentialsJson, curl, dockerWith, imageRefs, registryEnv, removeNewRefs, scratch, tcpConnect } from '../support/registry-env.js';

const cell = (report: Report, key: string, column: string) => verdict(report, `registry.${key}.${column}` as CapabilityId);
const summaryOf = (report: Report, key: string, column: string) => String(cell(report, key, column).evidence.facts?.summary ?? '');

describe('registry-access probe against the real engine and loopback registries', () => {
  const work = scratch();
  let before: Set<string> = new Set();
  beforeAll(async () => {
    before = await imageRefs();
  });
  afterAll(async () => {
    await removeNewRefs(before, [registryEnv.open, registryEnv.basic, registryEnv.tls, registryEnv.bearer, registryEnv.proxied, registryEnv.blocked]);
    work.dispose();
  });

  it('reports every public registry unsupported/dns, within 2 s, exactly when a direct lookup of its name fails', async () => {
    let probeMs = 0;
    const onEvent = (event: RunEvent) => {
      if (event.type === 'probe-end') probeMs = event.durationMs;
    };
    const report = await runProbes([registryAccess], { extraOptions: { env: {} }, onEvent });
    expect(probeMs).toBeLessThan(2_000);
    // A daemon with a proxy of its own could reach registries our resolver cannot: then DNS settles nothing.
    const daemonProxy = (await docker(['info', '--format', '{{.HTTPProxy}}{{.HTTPSProxy}}'])).stdout.trim();
    for (const entry of loadRegistries(undefined, {})) {
      const host = entry.api.replace(/:\d+$/, '');
      const resolves = await lookup(host).then(() => true, () => false);
      for (const column of ['pull-public', 'pull-private', 'push', 'auth-method', 'rate-limits']) {
        const row = cell(report, entry.key, column);
        if (!resolves && !daemonProxy) {
          expect({ id: row.id, status: row.status, reason: row.reason }).toEqual({ id: row.id, status: 'unsupported', reason: 'dns' });
          expect(row.evidence.facts?.summary, row.id).toBeTruthy();
        } else {
          expect(row.reason, `${row.id}: ${host} resolves here`).not.toBe('dns');
        }
      }
    }
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('fills the matrix from the loopback registries as the docker CLI and direct requests see them', async () => {
    const credentials = work.file('credentials.json', credentialsJson(registryEnv.basic, registryEnv.user, registryEnv.password));
    const report = await runProbes([registryAccess], { extraOptions: { registries: registryEnv.registriesFile, credentials, env: {} } });
    const file = JSON.parse(readFileSync(registryEnv.registriesFile, 'utf8')) as { registries: Array<{ key: string; api: string }> };
    const keyOf = (api: string) => file.registries.find((r) => r.api === api)?.key ?? 'missing';
    const image = registryEnv.image;
    const repo = image.split(':')[0];

    // Every cell is decided from observation or carries its reason.
    for (const row of report.capabilities) {
      expect(row.probe, row.id).toBe('registry-access');
      if (row.status !== 'supported') expect(row.reason, row.id).toBeTruthy();
      if (row.id.startsWith('registry.')) expect(row.evidence.facts?.summary, row.id).toBeTruthy();
    }

    // Open registry: the CLI pulls anonymously; /v2/ answers 200 (auth none).
    const open = keyOf(registryEnv.open);
    const openPull = await dockerWith(work.dockerConfig, ['pull', `${registryEnv.open}/${image}`]);
    expect(cell(report, open, 'pull-public').status).toBe(openPull.ok ? 'supported' : 'unsupported');
    const openApi = await curl([`http://${registryEnv.open}/v2/`]);
    expect(openApi.httpCode).toBe(200);
    expect(cell(report, open, 'auth-method').status).toBe('supported');
    expect(summaryOf(report, open, 'auth-method')).toMatch(/^none/);
    const openUpload = await curl(['-X', 'POST', `http://${registryEnv.open}/v2/${repo}/blobs/uploads/`]);
    expect(cell(report, open, 'push').status).toBe(openUpload.httpCode === 202 ? 'supported' : 'unsupported');
    const location = /^location: (.*)$/m.exec(openUpload.headers)?.[1]?.trim();
    if (location) await curl(['-X', 'DELETE', location.startsWith('http') ? location : `http://${registryEnv.open}${location}`]);

    // Basic auth: anonymous pulls are refused (auth-required); with credentials the CLI logs in and pulls the private image.
    const basic = keyOf(registryEnv.basic);
    const basicAnonymous = await dockerWith(work.dockerConfig, ['pull', `${registryEnv.basic}/${image}`]);
    expect(basicAnonymous.ok).toBe(false);
    expect(cell(report, basic, 'pull-public')).toMatchObject({ status: 'unsupported', reason: 'auth-required' });
    const basicApi = await curl([`http://${registryEnv.basic}/v2/`]);
    expect(basicApi.headers).toMatch(/www-authenticate: basic/);
    expect(summaryOf(report, basic, 'auth-method')).toMatch(/^basic/);
    const login = await dockerWith(work.dockerConfig, ['login', registryEnv.basic, '-u', registryEnv.user, '--password-stdin'], registryEnv.password);
    const privatePull = await dockerWith(work.dockerConfig, ['pull', `${registryEnv.basic}/${repo}:private`]);
    expect(cell(report, basic, 'pull-private').status).toBe(login.ok && privatePull.ok ? 'supported' : 'unsupported');
    const basicUpload = await curl(['-X', 'POST', '-u', `${registryEnv.user}:${registryEnv.password}`, `http://${registryEnv.basic}/v2/${repo}/blobs/uploads/`]);
    expect(cell(report, basic, 'push').status).toBe(basicUpload.httpCode === 202 ? 'supported' : 'unsupported');
    const basicLocation = /^location: (.*)$/m.exec(basicUpload.headers)?.[1]?.trim();
    if (basicLocation) await curl(['-X', 'DELETE', '-u', `${registryEnv.user}:${registryEnv.password}`, basicLocation.startsWith('http') ? basicLocation : `http://${registryEnv.basic}${basicLocation}`]);
    // No credentials were given for the open registry: its private pull is unknown for that reason.
    expect(cell(report, open, 'pull-private')).toMatchObject({ status: 'unknown', reason: 'no-credentials' });

    // TLS with the test CA: curl verifies the certificate with that CA; the CLI pulls.
    const tls = keyOf(registryEnv.tls);
    const tlsApi = await curl(['--cacert', registryEnv.ca, `https://${registryEnv.tls}/v2/`]);
    expect(cell(report, tls, 'auth-method').status).toBe(tlsApi.ok && tlsApi.httpCode === 200 ? 'supported' : 'unsupported');
    const tlsLayer = (cell(report, tls, 'auth-method').evidence.facts?.layers as Array<{ layer: string; ok: boolean; facts?: { issuer?: string } }>).find((l) => l.layer === 'tls');
    expect(tlsLayer?.ok).toBe(true);
    expect(tlsLayer?.facts?.issuer).toBeTruthy();
    const tlsPull = await dockerWith(work.dockerConfig, ['pull', `${registryEnv.tls}/${image}`]);
    expect(cell(report, tls, 'pull-public').status).toBe(tlsPull.ok ? 'supported' : 'unsupported');

    // Bearer: the challenge names the token service; anonymous pulls work; anonymous pushes need credentials.
    const bearer = keyOf(registryEnv.bearer);
    const bearerApi = await curl([`http://${registryEnv.bearer}/v2/`]);
    expect(bearerApi.headers).toMatch(/www-authenticate: bearer realm=/);
    expect(summaryOf(report, bearer, 'auth-method')).toMatch(/^bearer/);
    const bearerPull = await dockerWith(work.dockerConfig, ['pull', `${registryEnv.bearer}/${image}`]);
    expect(cell(report, bearer, 'pull-public').status).toBe(bearerPull.ok ? 'supported' : 'unsupported');
    const bearerUpload = await curl(['-X', 'POST', `http://${registryEnv.bearer}/v2/${repo}/blobs/uploads/`]);
    expect(bearerUpload.httpCode).toBe(401);
    expect(cell(report, bearer, 'push')).toMatchObject({ status: 'unknown', reason: 'no-credentials' });

    // A port that refuses connections, and a server that never answers.
    const refused = keyOf(registryEnv.refused);
    expect(await tcpConnect(registryEnv.refused)).toBe('ECONNREFUSED');
    for (const column of ['auth-method', 'push', 'rate-limits', 'pull-public']) expect(cell(report, refused, column), column).toMatchObject({ status: 'unsupported', reason: 'connection-refused' });
    const hang = keyOf(registryEnv.hang);
    expect(await tcpConnect(registryEnv.hang)).toBe('open');
    const hangApi = await curl(['--max-time', '2', `http://${registryEnv.hang}/v2/`]);
    expect(hangApi.exitCode).toBe(28); // curl: operation timed out
    expect(cell(report, hang, 'auth-method')).toMatchObject({ status: 'unknown', reason: 'timeout' });

    // Platforms: the index lists amd64 and arm64; the CLI pulls each, and the engine says which it got.
    const index = await curl(['-H', 'Accept: application/vnd.docker.distribution.manifest.list.v2+json', `http://${registryEnv.open}/v2/${repo}/manifests/latest`]);
    const digest = /^docker-content-digest: (.*)$/m.exec(index.headers)?.[1]?.trim();
    expect(digest).toMatch(/^sha256:/);
    for (const arch of ['amd64', 'arm64'] as const) {
      // By tag: a pull by digest of content already present never asks the registry.
      const ref = `${registryEnv.open}/${image}`;
      const pulled = await dockerWith(work.dockerConfig, ['pull', '--platform', `linux/${arch}`, ref]);
      const inspected = await docker(['image', 'inspect', '--format', '{{.Architecture}}', ref]);
      await docker(['rmi', ref]);
      expect(verdict(report, `image.pull.platform.${arch}`).status, arch).toBe(pulled.ok && inspected.stdout.trim() === arch ? 'supported' : 'unsupported');
    }
    expect(verdict(report, 'image.pull').status).toBe(openPull.ok ? 'supported' : 'unsupported');

    // No secret in the report.
    expect(JSON.stringify(report)).not.toContain(registryEnv.password);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reports a certificate that does not verify as tls, as curl does without the CA', async () => {
    const registries = work.file('tls-no-ca.json', JSON.stringify({ registries: [{ key: 'gcr', name: 'TLS without its CA', api: registryEnv.tls, scheme: 'https', image: registryEnv.image }] }));
    const report = await runProbes([registryAccess], { extraOptions: { registries, env: {} } });
    const withoutCa = await curl([`https://${registryEnv.tls}/v2/`]);
    expect(withoutCa.exitCode).toBe(60); // curl: peer certificate cannot be authenticated with known CA certificates
    expect(cell(report, 'gcr', 'auth-method')).toMatchObject({ status: 'unsupported', reason: 'tls' });
    expect(cell(report, 'gcr', 'auth-method').detail).toMatch(/cap-probe test CA/);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('goes through the proxy the environment names, and reports its refusal as blocked-by-proxy naming the proxy', async () => {
    const proxy = registryEnv.proxy;
    const report = await runProbes([registryAccess], { extraOptions: { registries: registryEnv.proxyRegistriesFile, env: { HTTP_PROXY: proxy, HTTPS_PROXY: proxy } } });
    const allowed = await curl(['-p', '-x', proxy, `http://${registryEnv.proxied}/v2/`]);
    expect(allowed.connectCode).toBe(200);
    expect(cell(report, 'dockerhub', 'auth-method').status).toBe(allowed.httpCode === 200 ? 'supported' : 'unsupported');
    const refused = await curl(['-p', '-x', proxy, `http://${registryEnv.blocked}/v2/`]);
    expect(refused.connectCode).toBe(403);
    const blocked = cell(report, 'ghcr', 'auth-method');
    expect(blocked).toMatchObject({ status: 'unsupported', reason: 'blocked-by-proxy' });
    expect(blocked.detail).toContain(new URL(proxy).host);
    // The proxy saw cap-probe's tunnel to the allowed registry.
    expect(readFileSync(registryEnv.proxyLog, 'utf8')).toContain(`CONNECT ${registryEnv.proxied}`);
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
