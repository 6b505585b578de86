/**
 * Container helpers for probes: create, start, wait, read output, all labelled, named and registered
 * in the cleanup ledger the moment the engine hands back an id.
 */
import type Dockerode from 'dockerode';
import type { ResourceScope } from './ledger.js';

export interface ContainerSpec {
  readonly image: string;
  readonly cmd: readonly string[];
  /** Suffix of the name: cap-probe-<run>-<suffix>. */
  readonly name: string;
  readonly hostConfig?: Dockerode.HostConfig;
  readonly networkingConfig?: Dockerode.ContainerCreateOptions['NetworkingConfig'];
  readonly exposedPorts?: Record<string, object>;
  readonly tty?: boolean;
  readonly openStdin?: boolean;
  readonly env?: string[];
  /** Labels added to the run's own (e.g. a nonce a filtered prune can name). */
  readonly labels?: Readonly<Record<string, string>>;
}

export async function createContainer(docker: Dockerode, resources: ResourceScope, spec: ContainerSpec): Promise<Dockerode.Container> {
  const container = await docker.createContainer({
    name: resources.name(spec.name),
    Image: spec.image,
    Cmd: [...spec.cmd],
    Labels: { ...spec.labels, ...resources.labels },
    Tty: spec.tty ?? false,
    OpenStdin: spec.openStdin ?? false,
    ...(spec.env ? { Env: spec.env } : {}),
    ...(spec.exposedPorts ? { ExposedPorts: spec.exposedPorts } : {}),
    HostConfig: spec.hostConfig ?? {},
    ...(spec.networkingConfig ? { NetworkingConfig: spec.networkingConfig } : {}),
  });
  resources.track('container', container.id);
  return container;
}

/** docker run -d: create and start. */
export async function startContainer(docker: Dockerode, resources: ResourceScope, spec: ContainerSpec): Promise<Dockerode.Container> {
  const container = await createContainer(docker, resources, spec);
  await container.start();
  return container;
}

export interface Completed {
  readonly exitCode: number;
  readonly output: string;
}

/** Splits the engine's multiplexed stdout/stderr frames (non-TTY logs and attach) into text. */
export function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if (type === undefined || type > 2 || buffer[offset + 1] !== 0) return buffer.toString('utf8'); // not multiplexed
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export async function containerOutput(container: Dockerode.Container, tty = false): Promise<string> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  return tty ? raw.toString('utf8') : demux(raw);
}

/** docker run (foreground): create, start, wait for exit, read output. Rejects when the engine refuses. */
export async function runToCompletion(docker: Dockerode, resources: ResourceScope, spec: ContainerSpec, signal?: AbortSignal): Promise<Completed> {
  const container = await createContainer(docker, resources, spec);
  await container.start();
  const waited = (await container.wait(signal ? { abortSignal: signal } : {})) as { StatusCode: number };
  return { exitCode: waited.StatusCode, output: (await containerOutput(container, spec.tty)).trim() };
}

/** The host port the engine bound for a container port, from inspect. */
export async function publishedPort(container: Dockerode.Container, containerPort: string): Promise<number | undefined> {
  const info = await container.inspect();
  const bindings = info.NetworkSettings.Ports?.[containerPort] as Array<{ HostIp: string; HostPort: string }> | null | undefined;
  const port = bindings?.find((b) => b.HostPort)?.HostPort;
  return port ? Number(port) : undefined;
}

export const PROBE_TOKEN = 'cap-probe-ok';

/**
 * A shell command serving PROBE_TOKEN over HTTP on a port: busybox httpd where the image has it,
 * else a netcat loop (Alpine's busybox lacks httpd; Debian's nc lacks -k).
 */
export function serveTokenCommand(port: number): string[] {
  return [
    '/bin/sh',
    '-c',
    `mkdir -p /tmp/www && echo ${PROBE_TOKEN} > /tmp/www/index.html; ` +
      `if command -v httpd >/dev/null 2>&1; then exec httpd -f -p ${port} -h /tmp/www; fi; ` +
      `while true; do printf 'HTTP/1.0 200 OK\\r\\n\\r\\n${PROBE_TOKEN}\\n' | nc -l -p ${port}; done`,
  ];
}

/**
 * A shell command fetching PROBE_TOKEN from host:port inside a container, retrying while the server starts.
 * netcat, not wget: Debian's static busybox crashes in wget's resolver, while nc resolves names fine.
 */
export function fetchCommand(host: string, port: number): string[] {
  return ['/bin/sh', '-c', `for i in 1 2 3 4 5 6 7 8 9 10; do printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc ${host} ${port} 2>&1 | grep -q ${PROBE_TOKEN} && echo ${PROBE_TOKEN} && exit 0; sleep 0.5; done; exit 1`];
}

/** Fetches PROBE_TOKEN from a published port, retrying while the server starts. */
export async function fetchToken(host: string, port: number, signal?: AbortSignal, attempts = 20): Promise<string> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    if (signal?.aborted) throw signal.reason;
    try {
      const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/index.html`, { signal: AbortSignal.timeout(2_000) });
      const body = await response.text();
      if (body.includes(PROBE_TOKEN)) return body.trim();
      last = new Error(`unexpected answer from ${host}:${port}: ${body.slice(0, 80)}`);
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/** Collects a stream until it ends or `until` matches, with a time limit. */
export async function collect(stream: NodeJS.ReadableStream, options: { timeoutMs: number; until?: (text: string) => boolean; tty: boolean }): Promise<string> {
  const chunks: Buffer[] = [];
  const text = () => (options.tty ? Buffer.concat(chunks).toString('utf8') : demux(Buffer.concat(chunks)));
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      resolve(text());
    };
    const timer = setTimeout(done, options.timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.until?.(text())) done();
    });
    stream.on('end', done);
    stream.on('error', done);
  });
}

/**
 * A line for an interactive shell that prints `TTY-42` only when stdin and stdout are terminals.
 * The marker is computed by the shell, so the terminal's echo of the typed line cannot fake it.
 * It starts with a newline: Podman passes the attach request's JSON body on to stdin, and the newline
 * ends that junk as a line of its own instead of gluing it to the check.
 */
export const TTY_CHECK_LINE = '\nif [ -t 0 ] && [ -t 1 ]; then echo TTY-$((40+2)); else echo NOTTY-$((40+2)); fi; exit\n';
export const TTY_YES = 'TTY-42';
export const TTY_NO = 'NOTTY-42';
