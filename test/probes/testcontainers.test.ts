/**
 * The testcontainers probe against the real engine, cross-checked against the real testcontainers-node
 * client in the same test: the engine and host it picks, a GenericContainer with a mapped port reached
 * through that host, and the images (Ryuk, module images) through the docker CLI.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import Dockerode from 'dockerode';
import testcontainersProbe, { MODULE_IMAGES, provePullable } from '../../probes/testcontainers.js';
import { fetchToken, serveTokenCommand } from '../../src/containers.js';
import { DEFAULT_RYUK_IMAGE } from '../../src/testcontainers/discovery.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, verdict, type GroundTruth } from '../support/harness.js';

// Ryuk cannot be pulled here: the real client starts containers only with it disabled (see ../shared/ENVIRONMENT.md).
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

/** An image's availability as the docker CLI sees it: present, else pulled (then removed again), else the pull error. */
async function imageTruth(image: string): Promise<GroundTruth & { how: string }> {
  const present = await docker(['image', 'inspect', image]);
  if (present.ok) return { ...present, how: 'present' };
  const pulled = await docker(['pull', image], { timeoutMs: 30_000 });
  if (pulled.ok) await docker(['rmi', image]);
  return { ...pulled, how: 'pull' };
}

const reasonFor = (stderr: string) => (/no such host|server misbehaving/i.test(stderr) ? 'dns' : undefined);

describe('testcontainers probe against the real engine and the real testcontainers-node', () => {
  const stops: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  });

  it('agrees with what testcontainers-node does on the same engine, and leaves nothing behind', async () => {
    const report = await runProbes([testcontainersProbe]);
    const discovery = verdict(report, 'testcontainers.host-discovery');
    const facts = discovery.evidence.facts as { host: string; strategy: string; uri: string; strategies: Array<{ strategy: string }> };

    // The real client, independently: its runtime discovery, then a GenericContainer with a mapped port.
    const tc = await import('testcontainers');
    const client = await tc.getContainerRuntimeClient().catch(() => undefined);
    expect(discovery.status).toBe(expectedStatus(client !== undefined));
    if (!client) return;
    expect(facts.host).toBe(client.info.containerRuntime.host);
    expect(facts.strategies.map((s) => s.strategy)).toEqual(['TestcontainersHostStrategy', 'ConfigurationStrategy', 'UnixSocketStrategy', 'RootlessUnixSocketStrategy', 'NpipeSocketStrategy']);

    let reached = false;
    let containerAddress: string | undefined;
    try {
      const container = await new tc.GenericContainer(TEST_IMAGE).withCommand(serveTokenCommand(8080)).withExposedPorts(8080).start();
      stops.push(() => container.stop());
      expect(container.getHost()).toBe(facts.host);
      reached = (await fetchToken(container.getHost(), container.getMappedPort(8080)).then(() => true, () => false));
      containerAddress = (await docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container.getId()])).stdout.trim() || undefined;
    } catch {
      reached = false;
    }
    expect(verdict(report, 'testcontainers.mapped-port').status).toBe(expectedStatus(reached));

    // Sibling access: only a question when this process runs in a container.
    const virt = await execa('systemd-detect-virt', ['--container'], { reject: false });
    const inContainer = existsSync('/.dockerenv') || existsSync('/run/.containerenv') || (virt.exitCode === 0 && String(virt.stdout).trim() !== 'none');
    const sibling = verdict(report, 'testcontainers.sibling-access');
    if (!inContainer) {
      expect(sibling).toMatchObject({ status: 'unknown', reason: 'not-applicable' });
    } else {
      const direct = containerAddress ? await fetchToken(containerAddress, 8080, undefined, 8).then(() => true, () => false) : false;
      expect(sibling.status).toBe(expectedStatus(direct));
    }

    // Ryuk: the image the installed testcontainers-node starts, as the docker CLI can get it.
    const require = createRequire(import.meta.url);
    const reaper = require('testcontainers/build/reaper/reaper.js') as { REAPER_IMAGE: string };
    expect(DEFAULT_RYUK_IMAGE).toBe(reaper.REAPER_IMAGE);
    const ryuk = await imageTruth(DEFAULT_RYUK_IMAGE);
    const ryukRow = verdict(report, 'testcontainers.ryuk');
    expect(ryukRow.status).toBe(expectedStatus(ryuk));
    if (!ryuk.ok) {
      if (reasonFor(ryuk.stderr)) expect(ryukRow.reason).toBe(reasonFor(ryuk.stderr));
      // Ryuk is missing but disabled: the detail must say that Testcontainers still works without reaping.
      expect(ryukRow.detail).toContain('TESTCONTAINERS_RYUK_DISABLED=true is set, so Testcontainers still starts containers');
      // ...and the real client did start a container with it disabled.
      expect(reached).toBe(true);
    }

    for (const [id, image] of MODULE_IMAGES) {
      const truth = await imageTruth(image);
      const row = verdict(report, id);
      expect(row.status, id).toBe(expectedStatus(truth));
      if (!truth.ok && reasonFor(truth.stderr)) expect(row.reason, id).toBe(reasonFor(truth.stderr));
    }

    for (const row of report.capabilities) expect(row.evidence.tried.length, row.id).toBeGreaterThan(0);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  // The module images cannot be pulled here; the early-stopping pull is checked on the loopback test registries.
  const openRegistry = process.env.CAP_PROBE_TEST_REGISTRY_OPEN;
  const refusedRegistry = process.env.CAP_PROBE_TEST_REGISTRY_REFUSED;
  const registryImage = process.env.CAP_PROBE_TEST_REGISTRY_IMAGE;
  it.skipIf(!openRegistry || !registryImage || !refusedRegistry)('proves an image pullable as docker pull does, and fails as it does', async () => {
    const engine = new Dockerode({ socketPath: '/var/run/docker.sock' });
    const good = `${openRegistry}/${registryImage}`;
    const bad = `${refusedRegistry}/${registryImage}`;
    const wasPresent = (await docker(['image', 'inspect', good])).ok;
    try {
      // The same pull, by cap-probe's early-stopping pull and by the CLI: both succeed or both fail, alike.
      for (const ref of [good, bad]) {
        const proved = await provePullable(engine, ref, new AbortController().signal, 20_000).then((how) => ({ ok: true, how, error: '' }), (e: Error) => ({ ok: false, how: '', error: e.message }));
        if (!wasPresent && ref === good) await docker(['rmi', good]);
        const truth = await docker(['pull', ref]);
        expect(proved.ok, ref).toBe(truth.ok);
        if (proved.ok) expect(['pulled', 'layers-started']).toContain(proved.how);
        if (/connection refused/i.test(truth.stderr)) expect(proved.error).toMatch(/connection refused/i);
      }
    } finally {
      if (!wasPresent) await docker(['rmi', good]);
    }
  });

  it('decides as testcontainers-node does when DOCKER_HOST names a dead endpoint', async () => {
    // The docker CLI would stop at DOCKER_HOST; Testcontainers tries its other strategies, but docker-modem
    // applies DOCKER_HOST's host to their dockerode too. Only the real client says which wins: ask it.
    const dead = 'tcp://127.0.0.1:1';
    const saved = process.env.DOCKER_HOST;
    let report;
    try {
      // Set only once cap-probe holds its engine connection (docker-modem reads DOCKER_HOST when a client is made).
      report = await runProbes([testcontainersProbe], {
        onEvent: (event) => {
          if (event.type === 'probe-start') process.env.DOCKER_HOST = dead;
        },
      });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
    const row = verdict(report, 'testcontainers.host-discovery');
    const facts = row.evidence.facts as { strategy?: string; host?: string; strategies: Array<{ strategy: string; answered: boolean; applicable: boolean }> };

    // The real client in a fresh process (it caches its runtime), with the same environment, logging its strategies.
    const script = "import('testcontainers').then(async (tc) => { const c = await tc.getContainerRuntimeClient(); console.log(JSON.stringify({ host: c.info.containerRuntime.host })); })";
    const child = await execa('node', ['-e', script], { reject: false, timeout: 60_000, env: { DOCKER_HOST: dead, DEBUG: 'testcontainers*', TESTCONTAINERS_RYUK_DISABLED: 'true' } });
    const log = String(child.stderr);
    expect(row.status).toBe(expectedStatus(child.exitCode === 0));
    for (const s of facts.strategies.filter((x) => x.applicable)) {
      const said = new RegExp(`Container runtime strategy "${s.strategy}" (works|does not work)`).exec(log)?.[1];
      if (said) expect(s.answered, s.strategy).toBe(said === 'works');
    }
    if (child.exitCode === 0) {
      expect(facts.strategy).toBe(/Container runtime strategy "(\w+)" works/.exec(log)?.[1]);
      expect(facts.host).toBe((JSON.parse(String(child.stdout).trim().split('\n').pop() ?? '{}') as { host?: string }).host);
    } else {
      expect(log).toContain('Could not find a working container runtime strategy');
      expect(row.reason).toBe('engine-unreachable');
    }
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
