/**
 * Testcontainers' own way of finding a container runtime, re-stated without depending on the testcontainers
 * package (a devDependency only: the tests cross-check this against the real client). Mirrors
 * testcontainers-node 11 (container-runtime/clients/client.ts and strategies/*):
 *   1. TestcontainersHostStrategy   `tc.host` in ~/.testcontainers.properties (a Testcontainers Cloud/Desktop endpoint)
 *   2. ConfigurationStrategy        `docker.host` from the properties file, overridden by DOCKER_HOST
 *   3. UnixSocketStrategy           /var/run/docker.sock
 *   4. RootlessUnixSocketStrategy   $XDG_RUNTIME_DIR/docker.sock, ~/.docker/run, ~/.docker/desktop, /run/user/<uid>
 *   5. NpipeSocketStrategy          Windows only
 * Unlike the docker CLI, a strategy whose engine does not answer is skipped and the next one is tried.
 * The host containers are reached at: TESTCONTAINERS_HOST_OVERRIDE (except for tc.host), else the URL's
 * hostname for tcp/http(s), else for a socket: the bridge gateway when in a container (/.dockerenv), else localhost.
 */
import { join } from 'node:path';

export const TC_PROPERTIES_FILE = '.testcontainers.properties';
/** The Ryuk image testcontainers-node 11.x starts, unless RYUK_CONTAINER_IMAGE names another. */
export const DEFAULT_RYUK_IMAGE = 'testcontainers/ryuk:0.14.0';
/** The image Testcontainers runs to find the default gateway when in a container whose bridge has none. */
export const TC_GATEWAY_IMAGE = 'alpine:3.14';

/** Parses a Java-style .properties text (key=value, key: value, # and ! comments) as Testcontainers reads it. */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*(?:[=:]|\s)\s*(.*)$/.exec(line);
    if (match) properties.set(match[1]!, match[2]!.trim());
  }
  return properties;
}

export interface TcConfig {
  readonly tcHost?: string;
  readonly dockerHost?: string;
  readonly dockerTlsVerify?: string;
  readonly dockerCertPath?: string;
  /** Where each value came from, for the evidence. */
  readonly origins: Readonly<Record<string, string>>;
  readonly propertiesFile: { readonly path: string; readonly present: boolean; readonly keys: string[] };
}

export interface DiscoveryEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly uid: number;
  readonly platform: NodeJS.Platform;
  readonly exists: (path: string) => boolean;
  /** The properties file's text, or undefined when absent. */
  readonly readProperties: (path: string) => string | undefined;
}

/** The properties file first, then the environment on top, as getContainerRuntimeConfig does. */
export function loadTcConfig(d: DiscoveryEnvironment): TcConfig {
  const path = join(d.home, TC_PROPERTIES_FILE);
  const text = d.readProperties(path);
  const props = text === undefined ? new Map<string, string>() : parseProperties(text);
  const origins: Record<string, string> = {};
  const config: { -readonly [K in keyof TcConfig]?: TcConfig[K] } = {};
  const fromFile = (key: 'tcHost' | 'dockerHost' | 'dockerTlsVerify' | 'dockerCertPath', property: string) => {
    const value = props.get(property);
    if (value !== undefined) {
      config[key] = value;
      origins[key] = `${path} (${property})`;
    }
  };
  fromFile('tcHost', 'tc.host');
  fromFile('dockerHost', 'docker.host');
  fromFile('dockerTlsVerify', 'docker.tls.verify');
  fromFile('dockerCertPath', 'docker.cert.path');
  const fromEnv = (key: 'dockerHost' | 'dockerTlsVerify' | 'dockerCertPath', variable: string) => {
    const value = d.env[variable];
    if (value !== undefined) {
      config[key] = value;
      origins[key] = variable;
    }
  };
  fromEnv('dockerHost', 'DOCKER_HOST');
  fromEnv('dockerTlsVerify', 'DOCKER_TLS_VERIFY');
  fromEnv('dockerCertPath', 'DOCKER_CERT_PATH');
  return { ...config, origins, propertiesFile: { path, present: text !== undefined, keys: [...props.keys()] } };
}

export type TcStrategyName = 'TestcontainersHostStrategy' | 'ConfigurationStrategy' | 'UnixSocketStrategy' | 'RootlessUnixSocketStrategy' | 'NpipeSocketStrategy';

export interface TcCandidate {
  readonly strategy: TcStrategyName;
  /** Undefined when the strategy does not apply here; `why` then says why not. */
  readonly uri?: string;
  readonly why: string;
  /** tc.host endpoints ignore TESTCONTAINERS_HOST_OVERRIDE. */
  readonly allowUserOverrides: boolean;
  /** TLS files to read when docker.tls.verify=1 (ConfigurationStrategy only). */
  readonly tlsCertPath?: string;
}

/** Every strategy in Testcontainers' order, applicable or not, each with the reason. */
export function tcCandidates(d: DiscoveryEnvironment, config: TcConfig = loadTcConfig(d)): TcCandidate[] {
  const candidates: TcCandidate[] = [];
  candidates.push(
    config.tcHost
      ? { strategy: 'TestcontainersHostStrategy', uri: config.tcHost, why: `tc.host from ${config.origins.tcHost}`, allowUserOverrides: false }
      : { strategy: 'TestcontainersHostStrategy', why: 'no tc.host in ~/.testcontainers.properties', allowUserOverrides: false },
  );
  candidates.push(
    config.dockerHost
      ? {
          strategy: 'ConfigurationStrategy',
          uri: config.dockerHost,
          why: `docker host from ${config.origins.dockerHost}`,
          allowUserOverrides: true,
          ...(config.dockerTlsVerify === '1' && config.dockerCertPath ? { tlsCertPath: config.dockerCertPath } : {}),
        }
      : { strategy: 'ConfigurationStrategy', why: 'neither DOCKER_HOST nor docker.host in ~/.testcontainers.properties', allowUserOverrides: true },
  );
  const unix = d.platform === 'linux' || d.platform === 'darwin';
  candidates.push(
    unix && d.exists('/var/run/docker.sock')
      ? { strategy: 'UnixSocketStrategy', uri: 'unix:///var/run/docker.sock', why: '/var/run/docker.sock exists', allowUserOverrides: true }
      : { strategy: 'UnixSocketStrategy', why: unix ? 'no /var/run/docker.sock' : `not on ${d.platform}`, allowUserOverrides: true },
  );
  const rootless = [
    d.env.XDG_RUNTIME_DIR !== undefined ? join(d.env.XDG_RUNTIME_DIR, 'docker.sock') : undefined,
    join(d.home, '.docker', 'run', 'docker.sock'),
    join(d.home, '.docker', 'desktop', 'docker.sock'),
    join('/run', 'user', String(d.uid), 'docker.sock'),
  ].filter((p): p is string => p !== undefined);
  const rootlessSocket = unix ? rootless.find((p) => d.exists(p)) : undefined;
  candidates.push(
    rootlessSocket
      ? { strategy: 'RootlessUnixSocketStrategy', uri: `unix://${rootlessSocket}`, why: `${rootlessSocket} exists`, allowUserOverrides: true }
      : { strategy: 'RootlessUnixSocketStrategy', why: unix ? `none of ${rootless.join(', ')} exists` : `not on ${d.platform}`, allowUserOverrides: true },
  );
  candidates.push(
    d.platform === 'win32'
      ? { strategy: 'NpipeSocketStrategy', uri: 'npipe:////./pipe/docker_engine', why: 'Windows named pipe', allowUserOverrides: true }
      : { strategy: 'NpipeSocketStrategy', why: 'not on Windows', allowUserOverrides: true },
  );
  return candidates;
}

/** dockerode options as the strategy builds them: host/port for a URL with a hostname, else a socket path. */
export function tcDockerOptions(uri: string): { host: string; port: string } | { socketPath: string } {
  const { hostname, port, pathname } = new URL(uri);
  if (hostname !== '') return { host: hostname, port };
  return { socketPath: pathname };
}

/**
 * The endpoint a strategy's dockerode really talks to. docker-modem fills unset options from DOCKER_HOST, and a
 * host taken from there wins over the strategy's socketPath: with DOCKER_HOST=tcp://..., every socket strategy
 * of Testcontainers actually connects to DOCKER_HOST (checked against testcontainers-node 11 and docker-modem 5).
 */
export function effectiveUri(candidateUri: string, env: NodeJS.ProcessEnv): { uri: string; note?: string } {
  const options = tcDockerOptions(candidateUri);
  const dockerHost = env.DOCKER_HOST;
  if ('socketPath' in options && dockerHost && !dockerHost.startsWith('unix://') && !dockerHost.startsWith('npipe://')) {
    return { uri: dockerHost.includes('//') ? dockerHost : `tcp://${dockerHost}`, note: `docker-modem uses DOCKER_HOST=${dockerHost} over the strategy's socket ${options.socketPath}` };
  }
  return { uri: candidateUri };
}

export type HostSource = 'TESTCONTAINERS_HOST_OVERRIDE' | 'endpoint hostname' | 'bridge gateway' | 'default gateway' | 'localhost';

export interface HostInputs {
  readonly env: NodeJS.ProcessEnv;
  /** Testcontainers' own test: /.dockerenv exists. */
  readonly inContainer: boolean;
  /** Looks up the gateway of the `bridge` (or `podman`) network; undefined when it names none. */
  readonly bridgeGateway: (network: string) => Promise<string | undefined>;
  /** Runs alpine:3.14 to read the default route, as Testcontainers does; rejects (or is undefined) when that fails. */
  readonly defaultGateway: () => Promise<string | undefined>;
}

export interface ResolvedHost {
  readonly host: string;
  readonly source: HostSource;
  /** Each step of the resolution, for the evidence. */
  readonly steps: string[];
}

/** The host Testcontainers reaches mapped ports at, and why (resolve-host.ts). */
export async function resolveTcHost(candidate: TcCandidate & { uri: string }, inputs: HostInputs): Promise<ResolvedHost> {
  const steps: string[] = [];
  if (candidate.allowUserOverrides && inputs.env.TESTCONTAINERS_HOST_OVERRIDE !== undefined) {
    return { host: inputs.env.TESTCONTAINERS_HOST_OVERRIDE, source: 'TESTCONTAINERS_HOST_OVERRIDE', steps: ['TESTCONTAINERS_HOST_OVERRIDE is set'] };
  }
  steps.push(candidate.allowUserOverrides ? 'TESTCONTAINERS_HOST_OVERRIDE is not set' : 'tc.host endpoints ignore TESTCONTAINERS_HOST_OVERRIDE');
  const { protocol, hostname } = new URL(candidate.uri);
  if (protocol === 'http:' || protocol === 'https:' || protocol === 'tcp:') {
    return { host: hostname, source: 'endpoint hostname', steps: [...steps, `${protocol}// endpoint: its hostname`] };
  }
  if (protocol !== 'unix:' && protocol !== 'npipe:') throw new Error(`Testcontainers does not support the ${protocol} scheme of ${candidate.uri}`);
  if (inputs.inContainer) {
    const network = candidate.uri.includes('podman.sock') ? 'podman' : 'bridge';
    const gateway = await inputs.bridgeGateway(network).catch(() => undefined);
    if (gateway !== undefined) return { host: gateway, source: 'bridge gateway', steps: [...steps, `/.dockerenv exists: the ${network} network's gateway`] };
    steps.push(`/.dockerenv exists, but the ${network} network's IPAM config names no gateway`);
    let failure = 'it printed no route';
    const fallback = await inputs.defaultGateway().catch((error: unknown) => {
      failure = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
      return undefined;
    });
    if (fallback !== undefined) return { host: fallback, source: 'default gateway', steps: [...steps, `the default route read in ${TC_GATEWAY_IMAGE}`] };
    steps.push(`running ${TC_GATEWAY_IMAGE} to read the default route failed (${failure})`);
  } else {
    steps.push('no /.dockerenv: not in a container');
  }
  return { host: 'localhost', source: 'localhost', steps: [...steps, 'localhost'] };
}
