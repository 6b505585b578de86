/**
 * Finding and connecting to the engine, the way users expect (and the docker CLI / Testcontainers do):
 * strategies tried in order, each leaving evidence of what it tried and why it was or was not used.
 *   1. --host   2. DOCKER_HOST   3. DOCKER_CONTEXT / the config's current context   4. the usual sockets
 * An explicit choice (1–3) is used alone: silently falling back to another engine would probe the wrong one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { UsageError, errorText } from './errors.js';
import { userDockerConfigDir } from './docker-cli.js';

export type EndpointSource = 'flag' | 'DOCKER_HOST' | 'context' | 'socket';

export interface EndpointCandidate {
  readonly source: EndpointSource;
  /** As a docker CLI user would write it: unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host. */
  readonly url: string;
  readonly why: string;
  /** TLS material for tcp:// endpoints, read from DOCKER_CERT_PATH or the context. */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly verify: boolean };
}

export interface EndpointAttempt {
  readonly source: EndpointSource;
  readonly url: string;
  readonly why: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface EngineFacts {
  readonly engine: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly negotiatedApiVersion: string;
  readonly os: string;
  readonly kernel: string;
  readonly arch: string;
  readonly storageDriver: string;
  readonly cgroupVersion: string;
  readonly cgroupDriver: string;
  readonly runtimes: string[];
  readonly defaultRuntime: string;
  readonly securityOptions: string[];
  readonly rootless: boolean;
  readonly proxies: { readonly http: string; readonly https: string; readonly no: string };
}

export interface EngineConnection {
  readonly docker: Dockerode;
  readonly endpoint: EndpointCandidate;
  readonly facts: EngineFacts;
  /** The host where ports the engine publishes are reached from cap-probe's side. */
  readonly publishedPortHost: string;
}

export interface EngineDiscovery {
  readonly connection: EngineConnection | null;
  readonly attempts: EndpointAttempt[];
}

/** The newest Engine API version cap-probe speaks; older engines are spoken to at their own version. */
export const MAX_API_VERSION = '1.47';

const SCHEMES = ['unix', 'tcp', 'ssh', 'npipe', 'http', 'https'];

/** Validates an engine address up front: a malformed one is bad input (exit 2), not an unreachable engine. */
export function parseEngineUrl(url: string, origin: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${origin}=${url} is not an engine address (expected unix:///path, tcp://host:port or ssh://user@host)`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!SCHEMES.includes(scheme)) {
    throw new UsageError(`${origin}=${url} has an unsupported scheme "${scheme}" (expected unix://, tcp:// or ssh://)`);
  }
  if ((scheme === 'unix' || scheme === 'npipe') && !parsed.pathname) {
    throw new UsageError(`${origin}=${url} names no socket path`);
  }
  if ((scheme === 'tcp' || scheme === 'ssh' || scheme === 'http' || scheme === 'https') && !parsed.hostname) {
    throw new UsageError(`${origin}=${url} names no host`);
  }
  return parsed;
}

function readTls(dir: string | undefined, verify: boolean): EndpointCandidate['tls'] {
  if (!dir) return undefined;
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file)) : undefined);
  const ca = read('ca.pem');
  const cert = read('cert.pem');
  const key = read('key.pem');
  return { verify, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

interface ContextMeta {
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

/** The docker CLI's context store: meta/<sha256(name)>/meta.json holds the endpoint. */
function contextCandidate(env: NodeJS.ProcessEnv): EndpointCandidate | undefined {
  const configDir = userDockerConfigDir(env);
  let name = env.DOCKER_CONTEXT;
  let why = `DOCKER_CONTEXT=${name}`;
  if (!name) {
    try {
      const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { currentContext?: string };
      name = config.currentContext;
      why = `currentContext "${name}" in ${join(configDir, 'config.json')}`;
    } catch {
      return undefined;
    }
  }
  if (!name || name === 'default') return undefined;
  const hash = createHash('sha256').update(name).digest('hex');
  const metaFile = join(configDir, 'contexts', 'meta', hash, 'meta.json');
  let meta: ContextMeta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ContextMeta;
  } catch {
    throw new UsageError(`docker context "${name}" (${why}) does not exist: no ${metaFile}`);
  }
  const host = meta.Endpoints?.docker?.Host;
  if (!host) throw new UsageError(`docker context "${name}" has no docker endpoint`);
  parseEngineUrl(host, `context ${name}`);
  const tls = readTls(join(configDir, 'contexts', 'tls', hash, 'docker'), !meta.Endpoints?.docker?.SkipTLSVerify);
  return { source: 'context', url: host, why: `docker context "${name}" (${why})`, ...(tls && (tls.ca || tls.cert) ? { tls } : {}) };
}

function socketCandidates(env: NodeJS.ProcessEnv): EndpointCandidate[] {
  const home = homedir();
  const runtimeDir = env.XDG_RUNTIME_DIR || (typeof process.getuid === 'function' ? `/run/user/${process.getuid()}` : undefined);
  const sockets: Array<[string | undefined, string]> = [
    ['/var/run/docker.sock', 'the default Docker socket'],
    [runtimeDir && join(runtimeDir, 'docker.sock'), 'rootless Docker ($XDG_RUNTIME_DIR)'],
    [join(home, '.docker', 'run', 'docker.sock'), 'Docker Desktop (~/.docker/run)'],
    [join(home, '.docker', 'desktop', 'docker.sock'), 'Docker Desktop (~/.docker/desktop)'],
    [join(home, '.colima', 'default', 'docker.sock'), 'Colima'],
    [join(home, '.rd', 'docker.sock'), 'Rancher Desktop'],
    ['/run/podman/podman.sock', 'rootful Podman'],
    [runtimeDir && join(runtimeDir, 'podman', 'podman.sock'), 'rootless Podman'],
  ];
  return sockets
    .filter((s): s is [string, string] => Boolean(s[0]))
    .map(([path, why]) => ({ source: 'socket' as const, url: `unix://${path}`, why }));
}

export interface DiscoveryInput {
  readonly host?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** The endpoints to try, in order. Throws UsageError for malformed input. */
export function endpointCandidates({ host, env = process.env }: DiscoveryInput): EndpointCandidate[] {
  if (host) {
    parseEngineUrl(host, '--host');
    return [{ source: 'flag', url: host, why: '--host was given' }];
  }
  if (env.DOCKER_HOST) {
    parseEngineUrl(env.DOCKER_HOST, 'DOCKER_HOST');
    const verify = Boolean(env.DOCKER_TLS_VERIFY) && env.DOCKER_TLS_VERIFY !== '0';
    const tls = readTls(env.DOCKER_CERT_PATH ?? (verify ? join(homedir(), '.docker') : undefined), verify);
    return [{ source: 'DOCKER_HOST', url: env.DOCKER_HOST, why: 'DOCKER_HOST is set', ...(tls ? { tls } : {}) }];
  }
  const context = contextCandidate(env);
  if (context) return [context];
  return socketCandidates(env);
}

/** dockerode/docker-modem options for a candidate. */
export function modemOptions(candidate: EndpointCandidate): Dockerode.DockerOptions {
  const url = new URL(candidate.url);
  const scheme = url.protocol.replace(/:$/, '');
  // docker-modem fills unset keys from DOCKER_HOST; name them explicitly so the chosen endpoint wins.
  const unset = { host: undefined, port: undefined, protocol: undefined, socketPath: undefined } as const;
  if (scheme === 'unix' || scheme === 'npipe') return { ...unset, socketPath: decodeURIComponent(url.pathname) };
  if (scheme === 'ssh') {
    return { ...unset, protocol: 'ssh', host: url.hostname, port: url.port ? Number(url.port) : 22, ...(url.username ? { username: decodeURIComponent(url.username) } : {}) };
  }
  const tls = candidate.tls;
  const secure = scheme === 'https' || Boolean(tls?.cert || tls?.verify);
  return {
    ...unset,
    protocol: secure ? 'https' : 'http',
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 2376 : 2375,
    ...(tls?.ca ? { ca: tls.ca } : {}),
    ...(tls?.cert ? { cert: tls.cert } : {}),
    ...(tls?.key ? { key: tls.key } : {}),
  };
}

function publishedPortHost(candidate: EndpointCandidate): string {
  const url = new URL(candidate.url);
  return url.protocol === 'unix:' || url.protocol === 'npipe:' ? '127.0.0.1' : url.hostname;
}

function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** Pick the API version both sides speak: the engine's, capped at ours. */
export function negotiateApiVersion(engineApiVersion: string | undefined): string {
  if (!engineApiVersion) return MAX_API_VERSION;
  return compareVersions(engineApiVersion, MAX_API_VERSION) < 0 ? engineApiVersion : MAX_API_VERSION;
}

interface VersionAnswer {
  Version?: string;
  ApiVersion?: string;
  Components?: Array<{ Name?: string; Version?: string }>;
}

interface InfoAnswer {
  OperatingSystem?: string;
  KernelVersion?: string;
  Architecture?: string;
  Driver?: string;
  CgroupVersion?: string;
  CgroupDriver?: string;
  Runtimes?: Record<string, unknown>;
  DefaultRuntime?: string;
  SecurityOptions?: string[];
  HttpProxy?: string;
  HttpsProxy?: string;
  NoProxy?: string;
}

function engineName(version: VersionAnswer): string {
  const names = (version.Components ?? []).map((c) => c.Name ?? '');
  if (names.some((n) => /podman/i.test(n))) return 'Podman';
  const named = names.find((n) => /engine/i.test(n));
  // Docker names its component plainly "Engine".
  return !named || named === 'Engine' ? 'Docker Engine' : named;
}

export function engineFacts(version: VersionAnswer, info: InfoAnswer, negotiated: string): EngineFacts {
  const securityOptions = info.SecurityOptions ?? [];
  return {
    engine: engineName(version),
    version: version.Version ?? 'unknown',
    apiVersion: version.ApiVersion ?? 'unknown',
    negotiatedApiVersion: negotiated,
    os: info.OperatingSystem ?? 'unknown',
    kernel: info.KernelVersion ?? 'unknown',
    arch: info.Architecture ?? 'unknown',
    storageDriver: info.Driver ?? 'unknown',
    cgroupVersion: info.CgroupVersion ?? 'unknown',
    cgroupDriver: info.CgroupDriver ?? 'unknown',
    runtimes: Object.keys(info.Runtimes ?? {}),
    defaultRuntime: info.DefaultRuntime ?? 'unknown',
    securityOptions,
    rootless: securityOptions.some((o) => /name=rootless/.test(o)),
    proxies: { http: info.HttpProxy ?? '', https: info.HttpsProxy ?? '', no: info.NoProxy ?? '' },
  };
}

async function tryCandidate(candidate: EndpointCandidate, pingTimeoutMs: number): Promise<EngineConnection> {
  const { default: DockerodeClass } = await import('dockerode');
  const options = modemOptions(candidate);
  if ('socketPath' in options && options.socketPath && !existsSync(options.socketPath)) {
    throw new Error(`no socket at ${options.socketPath}`);
  }
  // A short timeout for the handshake only: a hung endpoint must not hold the whole run.
  const probe = new DockerodeClass({ ...options, timeout: pingTimeoutMs });
  await probe.ping();
  const version = (await probe.version()) as VersionAnswer;
  const negotiated = negotiateApiVersion(version.ApiVersion);
  const docker = new DockerodeClass({ ...options, version: `v${negotiated}` });
  const info = (await docker.info()) as InfoAnswer;
  return { docker, endpoint: candidate, facts: engineFacts(version, info, negotiated), publishedPortHost: publishedPortHost(candidate) };
}

/** Tries each candidate in order; the first that answers is the engine. */
export async function discoverEngine(input: DiscoveryInput, pingTimeoutMs = 3_000): Promise<EngineDiscovery> {
  const attempts: EndpointAttempt[] = [];
  for (const candidate of endpointCandidates(input)) {
    try {
      const connection = await tryCandidate(candidate, pingTimeoutMs);
      attempts.push({ source: candidate.source, url: candidate.url, why: candidate.why, ok: true });
      return { connection, attempts };
    } catch (error) {
      attempts.push({ source: candidate.source, url: candidate.url, why: candidate.why, ok: false, error: errorText(error) });
    }
  }
  return { connection: null, attempts };
}
