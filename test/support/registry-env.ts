/**
 * The loopback registries of scripts/env/20-registries.sh, as the tests find them (exported variables),
 * and independent ways to take ground truth about them: the docker CLI with its own throwaway
 * DOCKER_CONFIG, curl, plain sockets.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { docker, type GroundTruth } from './harness.js';

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run scripts/env/20-registries.sh up and source $STATE_DIR/env.sh (scripts/test.sh does)`);
  return value;
}

export const registryEnv = {
  get open() { return need('CAP_PROBE_TEST_REGISTRY_OPEN'); },
  get basic() { return need('CAP_PROBE_TEST_REGISTRY_BASIC'); },
  get tls() { return need('CAP_PROBE_TEST_REGISTRY_TLS'); },
  get bearer() { return need('CAP_PROBE_TEST_REGISTRY_BEARER'); },
  get proxied() { return need('CAP_PROBE_TEST_REGISTRY_PROXIED'); },
  get blocked() { return need('CAP_PROBE_TEST_REGISTRY_BLOCKED'); },
  get refused() { return need('CAP_PROBE_TEST_REGISTRY_REFUSED'); },
  get hang() { return need('CAP_PROBE_TEST_REGISTRY_HANG'); },
  get proxy() { return need('CAP_PROBE_TEST_PROXY'); },
  get proxyLog() { return need('CAP_PROBE_TEST_PROXY_LOG'); },
  get ca() { return need('CAP_PROBE_TEST_REGISTRY_CA'); },
  get user() { return need('CAP_PROBE_TEST_REGISTRY_USER'); },
  get password() { return readFileSync(need('CAP_PROBE_TEST_REGISTRY_PASSWORD_FILE'), 'utf8').trim(); },
  get image() { return need('CAP_PROBE_TEST_REGISTRY_IMAGE'); },
  get registriesFile() { return need('CAP_PROBE_TEST_REGISTRIES_FILE'); },
  get proxyRegistriesFile() { return need('CAP_PROBE_TEST_REGISTRIES_PROXY_FILE'); },
};

/** A scratch folder for one test: files it writes (credentials, registries) and a DOCKER_CONFIG of its own. */
export function scratch(): { dir: string; dockerConfig: string; file(name: string, content: string): string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cap-probe-test-'));
  const dockerConfig = mkdtempSync(join(dir, 'docker-config-'));
  return {
    dir,
    dockerConfig,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A docker config.json-style credentials file for one registry. */
export function credentialsJson(host: string, user: string, password: string): string {
  return JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } });
}

/** The docker CLI with a DOCKER_CONFIG of the test's own: never the user's config, never cap-probe's. */
export function dockerWith(dockerConfig: string, args: readonly string[], input?: string): Promise<GroundTruth> {
  return docker(args, { env: { ...stringEnv(), DOCKER_CONFIG: dockerConfig }, ...(input !== undefined ? { input } : {}), timeoutMs: 60_000 });
}

function stringEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export interface CurlAnswer {
  readonly ok: boolean;
  readonly httpCode: number;
  readonly connectCode: number;
  readonly headers: string;
  readonly stderr: string;
  readonly exitCode: number | undefined;
}

/** curl, for an HTTP ground truth independent of cap-probe's HTTP stack. */
export async function curl(args: readonly string[]): Promise<CurlAnswer> {
  const result = await execa('curl', ['-s', '-D', '-', '-o', '/dev/null', '--max-time', '5', '-w', '\n%{http_code} %{http_connect}', ...args], { reject: false, env: { ...stringEnv(), HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' } });
  const lines = String(result.stdout).trimEnd().split('\n');
  const [httpCode = '0', connectCode = '0'] = (lines.pop() ?? '').split(' ');
  return { ok: result.exitCode === 0, httpCode: Number(httpCode), connectCode: Number(connectCode), headers: lines.join('\n').toLowerCase(), stderr: String(result.stderr), exitCode: result.exitCode };
}

/** Whether a TCP connection opens: 'open', or the error code (ECONNREFUSED, ...). */
export function tcpConnect(hostPort: string, timeoutMs = 2_000): Promise<string> {
  const [host = '127.0.0.1', port = '0'] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('ETIMEDOUT');
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? error.message);
    });
  });
}

/** Every tag and digest reference the engine holds (docker images --digests). */
export async function imageRefs(): Promise<Set<string>> {
  const listed = await docker(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']);
  const refs = new Set<string>();
  for (const line of listed.stdout.split('\n').filter(Boolean)) {
    const [repository, tag, digest] = line.split(' ');
    if (!repository || repository === '<none>') continue;
    if (tag && tag !== '<none>') refs.add(`${repository}:${tag}`);
    if (digest && digest !== '<none>') refs.add(`${repository}@${digest}`);
  }
  return refs;
}

/** Removes the references under the test registries' hosts that a test's ground-truth pulls added. */
export async function removeNewRefs(before: ReadonlySet<string>, hosts: readonly string[]): Promise<void> {
  for (const ref of await imageRefs()) {
    if (!before.has(ref) && hosts.some((h) => ref.startsWith(`${h}/`))) await docker(['rmi', ref]);
  }
}
