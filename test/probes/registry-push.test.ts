import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import registryPush, { parsePushTarget } from '../../probes/registry-push.js';
import { docker, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';
import { credentialsJson, curl, dockerWith, imageRefs, registryEnv, removeNewRefs, scratch } from '../support/registry-env.js';

describe('registry-push probe against the real engine and loopback registries', () => {
  const work = scratch();
  let before: Set<string> = new Set();
  beforeAll(async () => {
    before = await imageRefs();
  });
  afterAll(async () => {
    await removeNewRefs(before, [registryEnv.open, registryEnv.basic, 'registry.cap-probe.invalid']);
    work.dispose();
  });

  it('without --push-target: tags for an external registry as the CLI can, and pushes nowhere (no-target)', async () => {
    const report = await runProbes([registryPush], { extraOptions: { env: {} } });
    const external = `registry.cap-probe.invalid/${truthName('tag')}:t`;
    const tagged = await docker(['tag', TEST_IMAGE, external]);
    await docker(['rmi', external]);
    expect(verdict(report, 'image.tag.external').status).toBe(tagged.ok ? 'supported' : 'unsupported');
    expect(verdict(report, 'registry.push')).toMatchObject({ status: 'unknown', reason: 'no-target' });
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('with --push-target: pushes there, as the CLI can, and the manifest is in that registry afterwards', async () => {
    const repository = `cap-probe/${truthName('pushed')}`;
    const report = await runProbes([registryPush], { extraOptions: { pushTarget: `${registryEnv.open}/${repository}:probe`, env: {} } });
    // The probe's push landed: the registry has the manifest.
    const landed = await curl(['-I', '-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json', `http://${registryEnv.open}/v2/${repository}/manifests/probe`]);
    // The CLI can push there too.
    const truthRef = `${registryEnv.open}/${repository}:truth`;
    await docker(['tag', TEST_IMAGE, truthRef]);
    const pushed = await dockerWith(work.dockerConfig, ['push', truthRef]);
    await docker(['rmi', truthRef]);
    expect(pushed.ok).toBe(true);
    expect(landed.httpCode).toBe(200);
    expect(verdict(report, 'registry.push').status).toBe(pushed.ok && landed.httpCode === 200 ? 'supported' : 'unsupported');
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('to a registry that wants credentials: auth-required without them, supported with them, as the CLI', async () => {
    const repository = `cap-probe/${truthName('private')}`;
    const target = `${registryEnv.basic}/${repository}:probe`;
    const anonymous = await runProbes([registryPush], { extraOptions: { pushTarget: target, env: {} } });
    const truthRef = `${registryEnv.basic}/${repository}:truth`;
    await docker(['tag', TEST_IMAGE, truthRef]);
    const anonymousPush = await dockerWith(work.dockerConfig, ['push', truthRef]);
    expect(anonymousPush.ok).toBe(false);
    expect(anonymousPush.stderr).toMatch(/no basic auth credentials|unauthorized/);
    expect(verdict(anonymous, 'registry.push')).toMatchObject({ status: 'unsupported', reason: 'auth-required' });
    expect(await leftovers(anonymous.runId)).toEqual([]);

    const credentials = work.file('push-credentials.json', credentialsJson(registryEnv.basic, registryEnv.user, registryEnv.password));
    const withCredentials = await runProbes([registryPush], { extraOptions: { pushTarget: target, credentials, env: {} } });
    await dockerWith(work.dockerConfig, ['login', registryEnv.basic, '-u', registryEnv.user, '--password-stdin'], registryEnv.password);
    const authedPush = await dockerWith(work.dockerConfig, ['push', truthRef]);
    await docker(['rmi', truthRef]);
    expect(verdict(withCredentials, 'registry.push').status).toBe(authedPush.ok ? 'supported' : 'unsupported');
    expect(JSON.stringify(withCredentials)).not.toContain(registryEnv.password);
    expect(await leftovers(withCredentials.runId)).toEqual([]);
  });

  it('parses push targets', () => {
    expect(parsePushTarget('127.0.0.1:5000/a/b:c', 'd')).toEqual({ host: '127.0.0.1:5000', repository: 'a/b', tag: 'c' });
    expect(parsePushTarget('ghcr.io/me/app', 'x')).toEqual({ host: 'ghcr.io', repository: 'me/app', tag: 'x' });
    expect(parsePushTarget('library/busybox:latest', 'x')).toBeUndefined();
    expect(parsePushTarget('busybox', 'x')).toBeUndefined();
  });
});
