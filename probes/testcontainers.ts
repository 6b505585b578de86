/**
 * What Testcontainers needs, checked the way Testcontainers checks it (src/testcontainers/discovery.ts):
 * which engine its strategies pick, the host it reaches mapped ports at, the Ryuk image, a mapped port
 * actually reached through that host, sibling containers reached directly when cap-probe runs in a container,
 * and the document's module images. cap-probe does not load the testcontainers package: its tests cross-check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import type Dockerode from 'dockerode';
import { fetchToken, publishedPort, runToCompletion, serveTokenCommand, startContainer } from '../src/containers.js';
import { defineProbe, fromError, supported, unknown, unsupported, type Outcome, type ProbeContext } from '../src/define-probe.js';
import { errorText } from '../src/errors.js';
import { imageExists, pullImage } from '../src/images.js';
import { assessContainment } from '../src/sandbox/parse.js';
import { gatherSandboxSources } from '../src/sandbox/read.js';
import {
  DEFAULT_RYUK_IMAGE,
  effectiveUri,
  loadTcConfig,
  resolveTcHost,
  TC_GATEWAY_IMAGE,
  tcCandidates,
  tcDockerOptions,
  type DiscoveryEnvironment,
  type ResolvedHost,
  type TcCandidate,
} from '../src/testcontainers/discovery.js';

type TcId =
  | 'testcontainers.host-discovery'
  | 'testcontainers.ryuk'
  | 'testcontainers.mapped-port'
  | 'testcontainers.sibling-access'
  | 'testcontainers.module.postgres'
  | 'testcontainers.module.redis'
  | 'testcontainers.module.mysql';

/** The document's module images, as its examples name them. */
export const MODULE_IMAGES = [
  ['testcontainers.module.postgres', 'postgres:16'],
  ['testcontainers.module.redis', 'redis:7.0'],
  ['testcontainers.module.mysql', 'mysql:8.0'],
] as const;

const PULL_TIMEOUT_MS = 20_000;
const SERVER_PORT = 8080;

interface StrategyAttempt {
  readonly strategy: string;
  readonly applicable: boolean;
  readonly uri: string | null;
  readonly why: string;
  readonly answered: boolean;
  readonly error?: string;
}

interface Picked {
  readonly candidate: TcCandidate & { uri: string };
  readonly docker: Dockerode;
  /** True when Testcontainers picks the engine cap-probe is already talking to. */
  readonly sameEngine: boolean;
  /** Set when the strategy's dockerode really talks to another endpoint than the strategy names. */
  readonly note?: string;
}

export default defineProbe({
  id: 'testcontainers',
  title: 'Testcontainers: host discovery, Ryuk, mapped port, sibling access, module images',
  decides: ['testcontainers.host-discovery', 'testcontainers.ryuk', 'testcontainers.mapped-port', 'testcontainers.sibling-access', 'testcontainers.module.postgres', 'testcontainers.module.redis', 'testcontainers.module.mysql'],
  needs: ['engine', 'image'],
  timeoutMs: 120_000,
  async run(ctx) {
    const env = process.env;
    const discovery: DiscoveryEnvironment = {
      env,
      home: homedir(),
      uid: userInfo().uid,
      platform: process.platform,
      exists: existsSync,
      readProperties: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    };
    const config = loadTcConfig(discovery);
    const attempts: StrategyAttempt[] = [];
    const gatewayContainers: Dockerode.Container[] = [];
    let picked: (Picked & { host: ResolvedHost }) | undefined;
    try {
      for (const candidate of tcCandidates(discovery, config)) {
        if (picked || candidate.uri === undefined) {
          attempts.push({ strategy: candidate.strategy, applicable: candidate.uri !== undefined, uri: candidate.uri ?? null, why: picked && candidate.uri ? `${candidate.why}; not tried: an earlier strategy worked` : candidate.why, answered: false });
          continue;
        }
        const withUri = { ...candidate, uri: candidate.uri };
        try {
          // As in Testcontainers' initStrategy: GET /info, then the host; either failing moves on to the next strategy.
          const connected = await connect(ctx, withUri);
          const host = await resolveTcHost(withUri, {
            env,
            inContainer: existsSync('/.dockerenv'),
            bridgeGateway: async (network) => {
              const info = (await connected.docker.getNetwork(network).inspect()) as { IPAM?: { Config?: Array<{ Gateway?: string }> } };
              return info.IPAM?.Config?.find((c) => c.Gateway !== undefined)?.Gateway;
            },
            defaultGateway: () => defaultGateway(ctx, connected.docker, connected.sameEngine, gatewayContainers),
          });
          picked = { ...connected, host };
          attempts.push({ strategy: candidate.strategy, applicable: true, uri: candidate.uri, why: candidate.why, answered: true });
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          attempts.push({ strategy: candidate.strategy, applicable: true, uri: candidate.uri, why: candidate.why, answered: false, error: errorText(error) });
        }
      }
    } finally {
      for (const c of gatewayContainers) await c.remove({ force: true }).catch(() => undefined);
    }
    const discoveryTried = attempts.map((a) => `${a.strategy}: ${a.uri ?? 'not applicable'} (${a.why})${a.applicable && !a.answered && a.error ? ` -> ${a.error}` : ''}`);
    const configFacts = { propertiesFile: config.propertiesFile, origins: config.origins, TESTCONTAINERS_HOST_OVERRIDE: env.TESTCONTAINERS_HOST_OVERRIDE ?? null };

    if (!picked) {
      const outcomes: Array<Outcome<TcId>> = [unsupported('testcontainers.host-discovery', 'engine-unreachable', 'none of the Testcontainers strategies found an engine that answers: Testcontainers would fail with "Could not find a working container runtime strategy"', { tried: discoveryTried, facts: { strategies: attempts, ...configFacts } })];
      for (const id of ['testcontainers.ryuk', 'testcontainers.mapped-port', 'testcontainers.sibling-access', ...MODULE_IMAGES.map(([i]) => i)] as const) {
        outcomes.push(unknown(id, 'dependency-failed', 'Testcontainers would find no engine', { tried: discoveryTried }));
      }
      return outcomes;
    }

    const { docker, candidate, sameEngine, host } = picked;
    ctx.record(
      supported('testcontainers.host-discovery', `Testcontainers would use ${candidate.uri} (${candidate.strategy}, ${candidate.why}) and reach mapped ports at ${host.host} (${host.source})`, {
        tried: [...discoveryTried, `resolve host: ${host.steps.join(' -> ')}`],
        facts: { strategy: candidate.strategy, uri: candidate.uri, connectsTo: effectiveUri(candidate.uri, process.env).uri, host: host.host, hostSource: host.source, strategies: attempts, sameEngineAsCapProbe: sameEngine, ...configFacts },
      }),
    );
    const containment = assessContainment((await gatherSandboxSources()).sources);
    const inContainer = containment.inContainer ? `${containment.containerRuntime} container (${containment.containerConfidence} confidence)` : undefined;
    await Promise.all([ryuk(ctx, docker, sameEngine), modules(ctx, docker, sameEngine), mappedPortAndSibling(ctx, docker, sameEngine, host.host, inContainer)]);
  },
});

/** A dockerode client for the strategy's endpoint; reuses cap-probe's own when it is the same engine. */
async function connect(ctx: ProbeContext<TcId>, candidate: TcCandidate & { uri: string }): Promise<Picked> {
  const ours = ctx.engine!;
  const effective = effectiveUri(candidate.uri, process.env);
  const same = normaliseUri(ours.endpoint.url) === normaliseUri(effective.uri);
  let docker: Dockerode;
  if (same) {
    docker = ctx.docker!;
  } else {
    // Built from the strategy's own options: docker-modem then merges DOCKER_HOST & co. exactly as it does for Testcontainers.
    const { default: DockerodeClass } = await import('dockerode');
    const tls = candidate.tlsCertPath
      ? { ca: readFileSync(`${candidate.tlsCertPath}/ca.pem`), cert: readFileSync(`${candidate.tlsCertPath}/cert.pem`), key: readFileSync(`${candidate.tlsCertPath}/key.pem`) }
      : {};
    docker = new DockerodeClass({ ...tcDockerOptions(candidate.uri), ...tls, timeout: 5_000 });
  }
  // Testcontainers' check that a strategy works: GET /info answers.
  try {
    await docker.info();
  } catch (error) {
    throw new Error(`${effective.note ? `${effective.note}: ` : ''}${errorText(error)}`);
  }
  return { candidate, docker, sameEngine: same, ...(effective.note ? { note: effective.note } : {}) };
}

function normaliseUri(uri: string): string {
  return uri.replace(/^unix:\/\/(?!\/)/, 'unix:///').replace(/\/+$/, '');
}

/** Only on cap-probe's own engine can the ledger clean up; on another, the caller removes what it made. */
function trackable(ctx: ProbeContext<TcId>, sameEngine: boolean, kind: 'container' | 'image', ref: string): void {
  if (sameEngine) ctx.resources.track(kind, ref);
}

async function defaultGateway(ctx: ProbeContext<TcId>, docker: Dockerode, sameEngine: boolean, made: Dockerode.Container[]): Promise<string | undefined> {
  if (!(await imageExists(docker, TC_GATEWAY_IMAGE))) {
    await pullImage(docker, TC_GATEWAY_IMAGE, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(PULL_TIMEOUT_MS)]) }).catch((error: unknown) => {
      throw new Error(`pull of ${TC_GATEWAY_IMAGE}: ${errorText(error)}`);
    });
    trackable(ctx, sameEngine, 'image', TC_GATEWAY_IMAGE);
  }
  try {
    const result = await runToCompletion(docker, ctx.resources, { name: 'tc-gateway', image: TC_GATEWAY_IMAGE, cmd: ['sh', '-c', "ip route|awk '/default/ { print $3 }'"] }, ctx.signal);
    return result.output.trim() || undefined;
  } finally {
    made.push(docker.getContainer(ctx.resources.name('tc-gateway')));
  }
}

async function ryuk(ctx: ProbeContext<TcId>, docker: Dockerode, sameEngine: boolean): Promise<void> {
  const id = 'testcontainers.ryuk';
  const image = process.env.RYUK_CONTAINER_IMAGE ?? DEFAULT_RYUK_IMAGE;
  const disabled = process.env.TESTCONTAINERS_RYUK_DISABLED === 'true';
  const facts = { image, TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? null, disabled };
  const tried = [`docker image inspect ${image}`];
  const note = disabled ? '; TESTCONTAINERS_RYUK_DISABLED=true, so Testcontainers will not start it anyway' : '';
  if (await imageExists(docker, image)) {
    ctx.record(supported(id, `the Ryuk image ${image} is present locally${note}`, { tried, facts: { ...facts, source: 'local' } }));
    return;
  }
  tried.push(`docker pull ${image}`);
  try {
    await pullImage(docker, image, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(PULL_TIMEOUT_MS)]) });
    trackable(ctx, sameEngine, 'image', image);
    if (!sameEngine) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
    ctx.record(supported(id, `the Ryuk image ${image} is pullable (pulled, removed at the end of the run)${note}`, { tried, facts: { ...facts, source: 'pulled' } }));
  } catch (error) {
    const failed = fromError(id, error, tried);
    // Not `supported` even when disabled: nothing reaps leftovers then, and the row asks whether Ryuk is there.
    const consequence = disabled
      ? 'TESTCONTAINERS_RYUK_DISABLED=true is set, so Testcontainers still starts containers, but nothing reaps them if the test process dies'
      : 'Testcontainers will fail to start any container unless TESTCONTAINERS_RYUK_DISABLED=true is set (then nothing reaps leftovers)';
    ctx.record({ ...failed, status: failed.status, detail: `the Ryuk image ${image} is not present and cannot be pulled (${failed.detail}); ${consequence}`, evidence: { ...failed.evidence, facts } });
  }
}

async function modules(ctx: ProbeContext<TcId>, docker: Dockerode, sameEngine: boolean): Promise<void> {
  await Promise.all(
    MODULE_IMAGES.map(async ([id, image]) => {
      const tried = [`docker image inspect ${image}`];
      if (await imageExists(docker, image)) {
        ctx.record(supported(id, `${image} is present locally`, { tried, facts: { image, source: 'local' } }));
        return;
      }
      tried.push(`docker pull ${image} (stopped once its layers start downloading)`);
      const started = performance.now();
      try {
        const how = await provePullable(docker, image, ctx.signal, PULL_TIMEOUT_MS);
        // A pull that finished before we stopped it left an image: ours to remove.
        const left = await imageExists(docker, image);
        if (left) {
          trackable(ctx, sameEngine, 'image', image);
          if (!sameEngine) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
        }
        const said = how === 'pulled' ? 'pulled, removed at the end of the run' : 'the registry served its manifest and layers started downloading; the pull was then stopped';
        ctx.record(supported(id, `${image} is pullable (${said})`, { tried, facts: { image, source: how, ms: Math.round(performance.now() - started) } }));
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        const failed = fromError(id, error, tried);
        ctx.record({ ...failed, detail: `${image} is not present locally and cannot be pulled: ${failed.detail}`, evidence: { ...failed.evidence, facts: { image } } });
      }
    }),
  );
}

const LAYER_PROGRESS = /^(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete)$/;

/**
 * Pulls until the registry has proved the image pullable, then stops: module images are hundreds of MB, and
 * layers starting to download means the name resolved, the registry answered and the manifest was served.
 * Rejects with the engine's error, or a timeout when nothing was proved within `timeoutMs`.
 */
export async function provePullable(docker: Dockerode, ref: string, signal: AbortSignal, timeoutMs: number): Promise<'pulled' | 'layers-started'> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const both = AbortSignal.any([signal, timeout.signal]);
  try {
    const stream = (await docker.pull(ref, { abortSignal: both })) as NodeJS.ReadableStream & { destroy(): void };
    return await new Promise<'pulled' | 'layers-started'>((resolve, reject) => {
      let settled = false;
      const settle = (act: () => void) => {
        if (settled) return;
        settled = true;
        both.removeEventListener('abort', onAbort);
        act();
      };
      const onAbort = () =>
        settle(() => {
          stream.destroy();
          reject(signal.aborted ? Object.assign(new Error(`pull of ${ref} aborted`), { name: 'AbortError' }) : new Error(`pull of ${ref} timed out after ${timeoutMs / 1000} s without a layer starting`));
        });
      both.addEventListener('abort', onAbort, { once: true });
      docker.modem.followProgress(
        stream,
        (error: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) =>
          settle(() => {
            const failed = events?.find((e) => e.error || e.errorDetail);
            if (error || failed) reject(error ?? new Error(failed?.errorDetail?.message ?? failed?.error ?? 'pull failed'));
            else resolve('pulled');
          }),
        (event: { status?: string }) => {
          if (LAYER_PROGRESS.test(event.status ?? '')) settle(() => (stream.destroy(), resolve('layers-started')));
        },
      );
    });
  } catch (error) {
    if (timeout.signal.aborted && !signal.aborted) throw new Error(`pull of ${ref} timed out after ${timeoutMs / 1000} s: ${errorText(error)}`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function mappedPortAndSibling(ctx: ProbeContext<TcId>, docker: Dockerode, sameEngine: boolean, host: string, inContainer: string | undefined): Promise<void> {
  const image = ctx.image!.ref;
  const portKey = `${SERVER_PORT}/tcp`;
  const tried = [`docker run -d -p ${SERVER_PORT} ${image} <serve a token on ${SERVER_PORT}>`];
  let container: Dockerode.Container | undefined;
  try {
    // On another engine than cap-probe's, the ledger cannot remove it: the finally below does.
    const scope = sameEngine ? ctx.resources : { labels: ctx.resources.labels, name: (suffix: string) => ctx.resources.name(suffix), track: (_kind: string, ref: string) => ref };
    container = await startContainer(docker, scope, {
      name: 'tc-mapped',
      image,
      cmd: serveTokenCommand(SERVER_PORT),
      exposedPorts: { [portKey]: {} },
      // An empty HostPort: the engine picks a random free port, as Testcontainers asks it to.
      hostConfig: { PortBindings: { [portKey]: [{ HostPort: '' }] } },
    });
  } catch (error) {
    ctx.record(unknown('testcontainers.mapped-port', 'dependency-failed', `could not start a container to serve on a mapped port: ${errorText(error)}`, { tried, error: errorText(error) }));
    ctx.record(unknown('testcontainers.sibling-access', 'dependency-failed', `could not start a sibling container: ${errorText(error)}`, { tried, error: errorText(error) }));
    return;
  }
  try {
    const port = await publishedPort(container, portKey);
    if (port === undefined) {
      ctx.record(unsupported('testcontainers.mapped-port', 'not-reachable', `the engine bound no host port for ${portKey}`, { tried }));
    } else {
      const fetchTried = [...tried, `GET http://${host}:${port}/ (the host Testcontainers picks, the mapped port)`];
      const reached = await reach(host, port, ctx.signal);
      if (reached.ok) {
        ctx.record(supported('testcontainers.mapped-port', `a container's mapped port ${port} answered at ${host}:${port}, the host Testcontainers would use`, { tried: fetchTried, facts: { host, port, containerPort: SERVER_PORT, answer: reached.answer } }));
      } else {
        ctx.record(unsupported('testcontainers.mapped-port', 'not-reachable', `the container runs and the engine mapped port ${port}, but ${host}:${port} (the host Testcontainers would use) did not answer: ${reached.error}`, { tried: fetchTried, error: reached.error, facts: { host, port } }));
      }
    }

    const siblingId = 'testcontainers.sibling-access';
    if (!inContainer) {
      ctx.record(unknown(siblingId, 'not-applicable', 'cap-probe does not run inside a container (see sandbox.in-container), so there are no sibling containers to reach', { tried: ['sandbox signals: /.dockerenv, /run/.containerenv, /proc/1/cgroup, mountinfo, systemd-detect-virt'] }));
      return;
    }
    const info = await container.inspect();
    const address = Object.values(info.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
    if (!address) {
      ctx.record(unsupported(siblingId, 'not-reachable', `cap-probe runs in a ${inContainer}, but the sibling container has no network address`, { tried }));
      return;
    }
    const siblingTried = [...tried, `GET http://${address}:${SERVER_PORT}/ (the sibling's own address, no port mapping)`];
    const reached = await reach(address, SERVER_PORT, ctx.signal, 8);
    if (reached.ok) {
      ctx.record(supported(siblingId, `from inside a ${inContainer}, cap-probe reached a sibling container directly at ${address}:${SERVER_PORT}`, { tried: siblingTried, facts: { address, port: SERVER_PORT, inContainer, answer: reached.answer } }));
    } else {
      ctx.record(unsupported(siblingId, 'not-reachable', `cap-probe runs in a ${inContainer}; the sibling container at ${address}:${SERVER_PORT} did not answer (${reached.error}); Testcontainers then needs the mapped port`, { tried: siblingTried, error: reached.error, facts: { address, port: SERVER_PORT, inContainer } }));
    }
  } finally {
    if (!sameEngine) await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Fetches the token; a failure is an answer here, with the socket-level cause rather than "fetch failed". */
async function reach(host: string, port: number, signal: AbortSignal, attempts?: number): Promise<{ ok: true; answer: string } | { ok: false; error: string }> {
  try {
    return { ok: true, answer: await fetchToken(host, port, signal, attempts) };
  } catch (error) {
    if (signal.aborted) throw error;
    const cause = (error as { cause?: unknown }).cause;
    return { ok: false, error: cause ? `${errorText(error)}: ${errorText(cause)}` : errorText(error) };
  }
}
