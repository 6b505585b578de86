import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import registryLogin from '../../probes/registry-login.js';
import { leftovers, runProbes, truthName, verdict } from '../support/harness.js';
import { credentialsJson, dockerWith, registryEnv, scratch } from '../support/registry-env.js';

const userConfig = join(process.env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
const fingerprint = () => (existsSync(userConfig) ? `${statSync(userConfig).mtimeMs}:${readFileSync(userConfig, 'utf8')}` : 'absent');

describe('registry-login probe against the real engine and the basic-auth loopback registry', () => {
  const work = scratch();
  afterAll(() => work.dispose());

  it('logs in and out as the CLI does, through the engine and with --password-stdin, never touching the user config', async () => {
    const userBefore = fingerprint();
    const credentials = work.file('credentials.json', credentialsJson(registryEnv.basic, registryEnv.user, registryEnv.password));
    const report = await runProbes([registryLogin], { extraOptions: { credentials, loginRegistry: registryEnv.basic, env: {} } });

    // Ground truth: the CLI with a DOCKER_CONFIG of the test's own.
    const login = await dockerWith(work.dockerConfig, ['login', registryEnv.basic, '-u', registryEnv.user, '--password-stdin'], registryEnv.password);
    const written = existsSync(join(work.dockerConfig, 'config.json')) && readFileSync(join(work.dockerConfig, 'config.json'), 'utf8').includes(registryEnv.basic);
    expect(verdict(report, 'registry.login').status).toBe(login.ok ? 'supported' : 'unsupported');
    expect(verdict(report, 'security.login.password-stdin').status).toBe(login.ok && written ? 'supported' : 'unsupported');
    // The registry requires auth (an anonymous CLI pull is refused), and the login worked: private registry auth works.
    const anonymous = await dockerWith(join(work.dir, 'empty-config'), ['pull', `${registryEnv.basic}/${registryEnv.image}`]);
    expect(anonymous.ok).toBe(false);
    expect(verdict(report, 'registry.login.private').status).toBe(login.ok ? 'supported' : 'unsupported');
    const logout = await dockerWith(work.dockerConfig, ['logout', registryEnv.basic]);
    const gone = !readFileSync(join(work.dockerConfig, 'config.json'), 'utf8').includes(registryEnv.basic);
    expect(verdict(report, 'registry.logout').status).toBe(logout.ok && gone ? 'supported' : 'unsupported');

    // DOCKER_CONFIG: a context created with the test's own config dir is listed there.
    const context = truthName('ctx');
    const created = await dockerWith(work.dockerConfig, ['context', 'create', context, '--docker', 'host=unix:///nonexistent.sock']);
    const listed = await dockerWith(work.dockerConfig, ['context', 'ls', '--format', '{{.Name}}']);
    expect(verdict(report, 'security.docker-config').status).toBe(created.ok && listed.stdout.split('\n').includes(context) ? 'supported' : 'unsupported');

    expect(JSON.stringify(report)).not.toContain(registryEnv.password);
    expect(fingerprint()).toBe(userBefore);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reports refused credentials as auth-failed, as the CLI sees them', async () => {
    const wrong = `${registryEnv.password}-wrong`;
    const credentials = work.file('wrong.json', credentialsJson(registryEnv.basic, registryEnv.user, wrong));
    const report = await runProbes([registryLogin], { extraOptions: { credentials, env: {}, registries: registryEnv.registriesFile } });
    const login = await dockerWith(join(work.dir, 'wrong-config'), ['login', registryEnv.basic, '-u', registryEnv.user, '--password-stdin'], wrong);
    expect(login.ok).toBe(false);
    expect(verdict(report, 'registry.login')).toMatchObject({ status: 'unsupported', reason: 'auth-failed' });
    expect(verdict(report, 'security.login.password-stdin')).toMatchObject({ status: 'unsupported', reason: 'auth-failed' });
    expect(JSON.stringify(report)).not.toContain(wrong);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('without credentials: unknown with reason no-credentials', async () => {
    const report = await runProbes([registryLogin], { extraOptions: { env: {} } });
    for (const id of ['registry.login', 'registry.logout', 'registry.login.private', 'security.login.password-stdin'] as const) {
      expect(verdict(report, id), id).toMatchObject({ status: 'unknown', reason: 'no-credentials' });
    }
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
