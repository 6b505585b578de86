import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import buildClassic, { BUILD_ARG_NAME, classicBuild, classicDockerfile, expectedOutput, failedBuildOutcome } from '../../probes/build-classic.js';
import { CleanupLedger } from '../../src/ledger.js';
import { newRunId } from '../../src/run.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

describe('build-classic probe against the real engine', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('decides build.classic as the classic builder of the docker CLI does, and leaves nothing behind', async () => {
    const report = await runProbes([buildClassic]);
    const row = verdict(report, 'build.classic');

    // Ground truth: the CLI's classic builder on an equivalent context written to disk, its images labelled for removal.
    const truth = truthName('build');
    const dir = mkdtempSync(join(tmpdir(), 'cap-probe-truth-build-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'Dockerfile'), classicDockerfile(TEST_IMAGE, { 'cap-probe-truth': truth }));
    writeFileSync(join(dir, 'input.txt'), 'truth-input\n');
    cleanup.push(async () => {
      const ids = (await docker(['images', '-q', '--filter', `label=cap-probe-truth=${truth}`])).stdout.split('\n').filter(Boolean);
      if (ids.length) await docker(['rmi', '-f', ...new Set(ids)]);
    });
    const build = await docker(['build', '--no-cache', '--force-rm', '--build-arg', `${BUILD_ARG_NAME}=truth-arg`, '-t', `${truth}:latest`, dir], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
    const run = build.ok ? await docker(['run', '--rm', `${truth}:latest`]) : undefined;
    const builtAndProven = build.ok && run?.ok === true && run.stdout.trim() === expectedOutput('truth-arg', 'truth-input');
    expect(row.status, `${row.detail}\n${build.stderr}`).toBe(expectedStatus(builtAndProven));
    expect(row.evidence.tried.length).toBeGreaterThan(0);

    // The engine removed the intermediate containers (forcerm) and the ledger every image the build printed.
    const facts = row.evidence.facts ?? {};
    const containers = (facts.intermediateContainers as string[] | undefined) ?? [];
    const images = (facts.intermediateImages as string[] | undefined) ?? [];
    if (row.status === 'supported') expect(images.length).toBeGreaterThan(0);
    const allContainers = (await docker(['ps', '-aq', '--no-trunc'])).stdout;
    for (const id of containers) expect(allContainers, `intermediate container ${id}`).not.toContain(id);
    for (const id of images) expect((await docker(['image', 'inspect', id])).ok, `intermediate image ${id}`).toBe(false);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('leaves no image or container behind when the run is interrupted mid-build', async () => {
    for (const afterMs of [1_200, 2_000]) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('test interrupt')), afterMs);
      const report = await runProbes([buildClassic], { signal: controller.signal });
      clearTimeout(timer);
      expect(await leftovers(report.runId)).toEqual([]);
      // Intermediate images too (docker images -a), and containers the builder made from them.
      expect((await docker(['images', '-aq', '--filter', `label=io.cap-probe.run=${report.runId}`])).stdout).toBe('');
      expect((await docker(['ps', '-aq', '--filter', `label=io.cap-probe.run=${report.runId}`])).stdout).toBe('');
    }
  });

  it('reports a failing RUN as unsupported with the engine\'s message, and removes what the failed build made', async () => {
    const ledger = new CleanupLedger(newRunId());
    const engine = new Dockerode();
    try {
      const dockerfile = `FROM ${TEST_IMAGE}\nLABEL io.cap-probe.run="${ledger.runId}"\nRUN echo half-way > /half.txt\nRUN exit 3\n`;
      const result = await classicBuild(engine, ledger, TEST_IMAGE, { dockerfile, files: {}, tag: `${ledger.name('build-fail')}:latest`, buildargs: {}, signal: new AbortController().signal });
      expect(result.error).toMatch(/returned a non-zero code: 3/);
      const outcome = failedBuildOutcome(result.error ?? '', { tried: ['docker build'] });
      expect(outcome.status).toBe('unsupported');
      expect(outcome.reason).toBe('refused-by-engine');
      expect(outcome.evidence.error).toBe(result.error);
      // Ground truth: the CLI's classic builder fails the same Dockerfile.
      const dir = mkdtempSync(join(tmpdir(), 'cap-probe-truth-build-fail-'));
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nRUN exit 3\n`);
      const truth = await docker(['build', '--force-rm', '-q', dir], { env: { DOCKER_BUILDKIT: '0' } });
      rmSync(dir, { recursive: true, force: true });
      expect(truth.ok).toBe(false);
      expect(truth.stderr).toMatch(/returned a non-zero code: 3/);
      const allContainers = (await docker(['ps', '-aq', '--no-trunc'])).stdout;
      for (const id of result.containerIds) expect(allContainers, `intermediate container ${id}`).not.toContain(id);
    } finally {
      await ledger.cleanup(engine);
    }
    expect(await leftovers(ledger.runId)).toEqual([]);
  });
});
