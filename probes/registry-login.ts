/**
 * Login and logout, against the registry the user names (--login-registry, with --credentials) or the first
 * registry they gave credentials for: through the engine's auth endpoint and through the CLI with
 * --password-stdin, always with cap-probe's throwaway DOCKER_CONFIG. Secrets are sent on stdin or in the
 * engine request only; they are never printed, logged or written into evidence. The user's own config is
 * read for the names of its credential helpers only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CliResult } from '../src/docker-cli.js';
import { userDockerConfigDir } from '../src/docker-cli.js';
import { defineProbe, fromError, supported, unknown, unsupported, type Outcome } from '../src/define-probe.js';
import { classifyError, errorText } from '../src/errors.js';
import { registrySetup } from '../src/registry/context.js';
import { normaliseRegistryHost, type Credential } from '../src/registry/options.js';
import { parseChallenge } from '../src/registry/parse.js';
import { engineHost } from '../src/registry/registries.js';

interface UserConfig {
  credsStore?: string;
  credHelpers?: Record<string, string>;
  auths?: Record<string, unknown>;
}

/** What the user's own docker config says about credentials: helper names and registry hosts, no secrets. */
function userCredentialFacts(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const file = join(userDockerConfigDir(env), 'config.json');
  if (!existsSync(file)) return { userConfig: `${file} (absent)` };
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as UserConfig;
    return {
      userConfig: file,
      credsStore: config.credsStore ?? null,
      credHelpers: config.credHelpers ? Object.fromEntries(Object.entries(config.credHelpers).map(([registry, helper]) => [registry, String(helper)])) : {},
      authsFor: Object.keys(config.auths ?? {}),
    };
  } catch (error) {
    return { userConfig: `${file} (unreadable: ${(error as NodeJS.ErrnoException).code ?? 'not JSON'})` };
  }
}

/** The docker CLI picks a keychain helper by itself when one is installed: then a login would leave the throwaway config. */
function defaultCredentialHelper(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  return ['docker-credential-secretservice', 'docker-credential-pass', 'docker-credential-osxkeychain', 'docker-credential-desktop'].find((helper) => dirs.some((d) => existsSync(join(d, helper))));
}

function cliFailure(result: CliResult): Error {
  return Object.assign(new Error(result.stderr || result.stdout || `exit ${result.exitCode}`), { stderr: result.stderr });
}

/** A login with credentials that the registry answers "authentication required" refused those credentials. */
function withCredentials<O extends Outcome>(outcome: O): O {
  return outcome.reason === 'auth-required' ? { ...outcome, reason: 'auth-failed' } : outcome;
}

function authsIn(configDir: string): string[] {
  try {
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as UserConfig;
    return Object.keys(config.auths ?? {}).map(normaliseRegistryHost);
  } catch {
    return [];
  }
}

export default defineProbe({
  id: 'registry-login',
  title: 'Registry login and logout (engine auth endpoint, CLI --password-stdin), DOCKER_CONFIG',
  decides: ['registry.login', 'registry.logout', 'registry.login.private', 'security.login.password-stdin', 'security.docker-config'],
  needs: ['engine'],
  async run(ctx) {
    const docker = ctx.docker!;
    const setup = registrySetup(ctx);
    try {
      const cli = ctx.cli;
      const configDir = cli.configDir;

      // DOCKER_CONFIG: a context created with the throwaway config exists there and nowhere else.
      const contextName = ctx.resources.name('context');
      const contextTried = [`DOCKER_CONFIG=${configDir} docker context create ${contextName} --docker host=unix:///nonexistent/cap-probe.sock`, `DOCKER_CONFIG=${configDir} docker context ls`];
      const userFacts = userCredentialFacts(setup.env);
      const created = await cli.run(['context', 'create', contextName, '--docker', 'host=unix:///nonexistent/cap-probe.sock'], { signal: ctx.signal, timeoutMs: 15_000 });
      if (created.missing) {
        ctx.record(unsupported('security.docker-config', 'plugin-missing', 'the docker CLI is not installed', { tried: contextTried, facts: userFacts }));
      } else if (created.exitCode !== 0) {
        ctx.record({ ...fromError('security.docker-config', cliFailure(created), contextTried), evidence: { tried: contextTried, error: created.stderr, facts: userFacts } });
      } else {
        const listed = await cli.run(['context', 'ls', '--format', '{{.Name}}'], { signal: ctx.signal, timeoutMs: 15_000 });
        const inDir = existsSync(join(configDir, 'contexts', 'meta'));
        await cli.run(['context', 'rm', '-f', contextName], { timeoutMs: 15_000 });
        if (listed.exitCode === 0 && listed.stdout.split('\n').includes(contextName) && inDir) {
          ctx.record(supported('security.docker-config', `the CLI kept its state in DOCKER_CONFIG=${configDir} (a context created there is listed)`, { tried: contextTried, facts: { configDir, ...userFacts } }));
        } else {
          ctx.record(unsupported('security.docker-config', 'unexpected-result', `a context created with DOCKER_CONFIG=${configDir} ${inDir ? 'is not listed' : 'was not written there'}`, { tried: contextTried, error: listed.stderr, facts: userFacts }));
        }
      }

      // Which registry, with which credentials.
      const named = setup.options.loginRegistry;
      let host: string | undefined = named;
      let credential: Credential | undefined = named ? setup.credentials(named) : undefined;
      if (!named) {
        for (const entry of setup.registries) {
          const found = setup.credentials(engineHost(entry)) ?? setup.credentials(entry.api);
          if (found) {
            host = engineHost(entry);
            credential = found;
            break;
          }
        }
      }
      const noCredentials = named ? `no credentials for ${named} in --credentials` : 'no --credentials were given for any registry';
      if (!host || !credential) {
        const evidence = { tried: [], facts: { summary: 'no credentials' } };
        return [
          unknown('registry.login', 'no-credentials', noCredentials, evidence),
          unknown('registry.logout', 'no-credentials', `${noCredentials}: nothing to log out of`, evidence),
          unknown('registry.login.private', 'no-credentials', noCredentials, evidence),
          unknown('security.login.password-stdin', 'no-credentials', noCredentials, evidence),
        ];
      }
      const source = `credentials from ${credential.source}`;

      // Engine: POST /auth. Credentials were given, so a registry's "authentication required" means they were refused.
      const engineTried = `POST /auth {serveraddress: ${host}} (${source})`;
      let engineLogin: string | undefined;
      try {
        const answer = (await docker.checkAuth({ username: credential.username, password: credential.password, serveraddress: host })) as { Status?: string };
        engineLogin = answer.Status ?? 'ok';
        ctx.record(supported('registry.login', `the engine logged in to ${host}: ${engineLogin}`, { tried: [engineTried], facts: { registry: host, status: engineLogin } }));
      } catch (error) {
        ctx.record(withCredentials(fromError('registry.login', error, [engineTried])));
      }

      // Does this registry require authentication at all? Only then is a login "private registry authentication".
      const entry = setup.registries.find((r) => engineHost(r) === host || r.api === host);
      const loopback = /^(localhost|127\.|\[::1\])/.test(host);
      const base = `${entry?.scheme ?? (loopback ? 'http' : 'https')}://${entry?.api ?? (host === 'docker.io' ? 'registry-1.docker.io' : host)}`;
      let challengeMethod = 'unknown';
      try {
        const api = await setup.http.send(`${base}/v2/`, entry?.ca ? { caFile: entry.ca } : {});
        challengeMethod = api.status === 200 ? 'none' : api.status === 401 ? parseChallenge(api.headers['www-authenticate']).method : `HTTP ${api.status}`;
      } catch (error) {
        challengeMethod = `unreachable: ${classifyError(error).reason}`;
      }

      // CLI: docker login --password-stdin, with the throwaway DOCKER_CONFIG.
      const helper = defaultCredentialHelper(setup.env);
      const loginTried = `echo <password> | DOCKER_CONFIG=${configDir} docker login ${host} -u <user> --password-stdin (${source})`;
      let cliLoggedIn = false;
      if (helper) {
        ctx.record(unknown('security.login.password-stdin', 'not-applicable', `${helper} is installed: the CLI would store the secret in the user's keychain, not in the throwaway DOCKER_CONFIG, so cap-probe does not log in with the CLI`, { tried: [], facts: { helper } }));
      } else {
        const login = await cli.run(['login', host, '-u', credential.username, '--password-stdin'], { input: credential.password, signal: ctx.signal, timeoutMs: 30_000 });
        if (login.missing) {
          ctx.record(unsupported('security.login.password-stdin', 'plugin-missing', 'the docker CLI is not installed', { tried: [loginTried] }));
        } else if (login.exitCode === 0 && authsIn(configDir).includes(normaliseRegistryHost(host))) {
          cliLoggedIn = true;
          ctx.record(supported('security.login.password-stdin', `logged in to ${host} with --password-stdin; the entry was written to the throwaway DOCKER_CONFIG only`, { tried: [loginTried], facts: { registry: host, configDir } }));
        } else if (login.exitCode === 0) {
          ctx.record(unsupported('security.login.password-stdin', 'unexpected-result', `docker login reported success, but no entry for ${host} is in ${configDir}/config.json`, { tried: [loginTried] }));
        } else {
          ctx.record(withCredentials({ ...fromError('security.login.password-stdin', cliFailure(login), [loginTried]), evidence: { tried: [loginTried], error: login.stderr } }));
        }
      }

      // Private registry authentication: a login the registry actually required.
      const privateTried = [`GET ${base}/v2/ → ${challengeMethod}`, `POST /auth {serveraddress: ${host}}`];
      const loginOutcome = ctx.results.get('registry.login');
      if (challengeMethod === 'basic' || challengeMethod === 'bearer') {
        if (engineLogin !== undefined) ctx.record(supported('registry.login.private', `${host} requires ${challengeMethod} authentication, and the login with the given credentials succeeded`, { tried: privateTried, facts: { registry: host, authMethod: challengeMethod } }));
        else ctx.record({ ...(loginOutcome ?? unknown('registry.login.private', 'probe-error', 'no login outcome', { tried: privateTried })), id: 'registry.login.private', evidence: { tried: privateTried, ...(loginOutcome?.evidence.error ? { error: loginOutcome.evidence.error } : {}) } });
      } else if (challengeMethod === 'none') {
        ctx.record(unknown('registry.login.private', 'not-applicable', `${host} requires no authentication (GET /v2/ answered 200), so a login there proves nothing about private registries`, { tried: privateTried }));
      } else {
        ctx.record(unknown('registry.login.private', 'not-reachable', `could not tell whether ${host} requires authentication: ${challengeMethod}`, { tried: privateTried }));
      }

      // Logout: the CLI removes the entry it wrote.
      const logoutTried = `DOCKER_CONFIG=${configDir} docker logout ${host}`;
      if (!cliLoggedIn) {
        ctx.record(unknown('registry.logout', 'dependency-failed', 'the CLI login did not succeed, so there is nothing to log out of', { tried: [loginTried] }));
      } else {
        const logout = await cli.run(['logout', host], { signal: ctx.signal, timeoutMs: 15_000 });
        if (logout.exitCode === 0 && !authsIn(configDir).includes(normaliseRegistryHost(host))) {
          ctx.record(supported('registry.logout', `logged out of ${host}; the entry is gone from the throwaway config`, { tried: [logoutTried], facts: { registry: host } }));
        } else if (logout.exitCode === 0) {
          ctx.record(unsupported('registry.logout', 'unexpected-result', `docker logout reported success, but ${host} is still in ${configDir}/config.json`, { tried: [logoutTried] }));
        } else {
          ctx.record({ ...fromError('registry.logout', cliFailure(logout), [logoutTried]), evidence: { tried: [logoutTried], error: errorText(logout.stderr) } });
        }
      }
    } finally {
      await setup.http.close();
    }
  },
});
