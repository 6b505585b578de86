/** The probe image, each strategy on the real engine: imported from the host's busybox, pulled, none at all. */
import { describe, expect, it } from 'vitest';
import Dockerode from 'dockerode';
import { runToCompletion } from '../../src/containers.js';
import { CleanupLedger } from '../../src/ledger.js';
import { resolveProbeImage } from '../../src/probe-image.js';
import { docker as cli } from '../support/harness.js';

const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });
const arch = 'x86_64';
const openRegistry = process.env.CAP_PROBE_TEST_REGISTRY_OPEN;
const refusedRegistry = process.env.CAP_PROBE_TEST_REGISTRY_REFUSED ?? '127.0.0.1:1';
const registryImage = process.env.CAP_PROBE_TEST_REGISTRY_IMAGE ?? 'cap-probe/busybox:latest';

describe('resolveProbeImage', () => {
  it("imports the host's static busybox, runnable and labelled, and removes it at the end", async () => {
    const ledger = new CleanupLedger(`it${Date.now().toString(16).slice(-6)}`);
    const resolution = await resolveProbeImage({ docker, ledger, engineArch: arch, strategies: ['imported'] });
    expect(resolution.image?.source).toBe('imported');
    const ref = resolution.image!.ref;
    expect(ref.startsWith(`cap-probe-${ledger.runId}-`)).toBe(true);
    const run = await runToCompletion(docker, ledger, { name: 'img-check', image: ref, cmd: ['/bin/sh', '-c', 'echo runnable'] });
    expect(run.output).toBe('runnable');
    const labels = (await cli(['image', 'inspect', '-f', '{{json .Config.Labels}}', ref])).stdout;
    expect(JSON.parse(labels)).toMatchObject({ 'io.cap-probe.run': ledger.runId });
    await ledger.cleanup(docker);
    expect((await cli(['image', 'inspect', ref])).ok).toBe(false);
  });

  it.runIf(openRegistry)('pulls from the first registry that answers, says why the others did not, removes what it pulled', async () => {
    const ledger = new CleanupLedger(`it${Date.now().toString(16).slice(-6)}`);
    const good = `${openRegistry}/${registryImage}`;
    await cli(['rmi', good]);
    const resolution = await resolveProbeImage({ docker, ledger, engineArch: arch, strategies: ['pulled'], pullCandidates: [`${refusedRegistry}/x/busybox:latest`, good] });
    expect(resolution.image).toMatchObject({ ref: good, source: 'pulled' });
    expect(resolution.attempts[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/connection refused/i) });
    expect((await cli(['image', 'inspect', good])).ok).toBe(true);
    await ledger.cleanup(docker);
    expect((await cli(['image', 'inspect', good])).ok).toBe(false);
  });

  it('says how to provide an image when there is none', async () => {
    const ledger = new CleanupLedger(`it${Date.now().toString(16).slice(-6)}`);
    const resolution = await resolveProbeImage({ docker, ledger, engineArch: arch, strategies: ['pulled', 'imported'], pullCandidates: [`${refusedRegistry}/x/busybox:latest`], hostBusyboxPaths: ['/nonexistent/busybox'] });
    expect(resolution.image).toBeNull();
    expect(resolution.hint).toMatch(/--image/);
    const named = await resolveProbeImage({ docker, ledger, engineArch: arch, requested: 'cap-probe-no-such-image:never' });
    expect(named.image).toBeNull();
    expect(named.hint).toMatch(/--image cap-probe-no-such-image:never cannot be used/);
    await ledger.cleanup(docker);
  });
});
