import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import compose, { composeFile, PROJECT_LABEL, SCALE_TO, SERVICE_LABEL } from '../../probes/compose.js';
import type { CapabilityId } from '../../src/catalogue.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict, type GroundTruth } from '../support/harness.js';

const IDS: CapabilityId[] = ['compose.up', 'compose.logs', 'compose.scale', 'compose.exec', 'compose.down'];

/** Compose as a person would run it: the v2 plugin when `docker compose version` answers, else the standalone binary. */
async function findCompose(): Promise<{ kind: 'plugin' | 'standalone'; run: (args: string[]) => Promise<GroundTruth> } | null> {
  const asTruth = async (file: string, args: string[]): Promise<GroundTruth> => {
    const r = await execa(file, args, { reject: false, timeout: 90_000 });
    return { ok: r.exitCode === 0, exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  };
  if ((await docker(['compose', 'version'])).ok) return { kind: 'plugin', run: (args) => docker(['compose', ...args], { timeoutMs: 90_000 }) };
  if ((await asTruth('docker-compose', ['version'])).ok) return { kind: 'standalone', run: (args) => asTruth('docker-compose', args) };
  return null;
}

/** Resources of a compose project, by the label Compose itself puts on them. */
async function projectResources(project: string): Promise<{ running: (service: string) => Promise<number>; all: () => Promise<string[]> }> {
  const label = `label=${PROJECT_LABEL}=${project}`;
  return {
    running: async (service) => (await docker(['ps', '-q', '--filter', label, '--filter', `label=${SERVICE_LABEL}=${service}`, '--filter', 'status=running'])).stdout.split('\n').filter(Boolean).length,
    all: async () => {
      const lists = await Promise.all([docker(['ps', '-aq', '--filter', label]), docker(['network', 'ls', '-q', '--filter', label]), docker(['volume', 'ls', '-q', '--filter', label])]);
      return lists.flatMap((l) => l.stdout.split('\n').filter(Boolean));
    },
  };
}

describe('compose probe against the real engine and the real Compose', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('decides every compose row as Compose run by hand does, names the variant, and leaves nothing behind', async () => {
    const report = await runProbes([compose]);
    const found = await findCompose();

    if (!found) {
      for (const id of IDS) {
        expect(verdict(report, id).status, id).toBe('unsupported');
        expect(verdict(report, id).reason, id).toBe('plugin-missing');
      }
    } else {
      for (const id of IDS) expect(verdict(report, id).evidence.facts?.variant, id).toBe(found.kind);

      // Ground truth: the same project shape, under a project name of the test's own, through the same variant.
      const project = truthName('compose');
      const dir = mkdtempSync(join(tmpdir(), 'cap-probe-truth-compose-'));
      const file = join(dir, 'compose.yaml');
      writeFileSync(file, composeFile({ image: TEST_IMAGE, labels: { 'cap-probe-truth': project }, volumeToken: 'truth-volume', logToken: 'truth-log' }));
      const run = (args: string[]) => found.run(['-p', project, '-f', file, ...args]);
      cleanup.push(async () => {
        await run(['down', '-v', '--remove-orphans', '-t', '1']);
        rmSync(dir, { recursive: true, force: true });
      });
      const resources = await projectResources(project);

      const up = await run(['up', '-d']);
      const ps = await run(['ps']);
      expect(ps.ok).toBe(up.ok);
      expect(verdict(report, 'compose.up').status).toBe(expectedStatus(up.ok && (await resources.running('web')) === 1 && (await resources.running('worker')) === 1));

      let logs = await run(['logs', '--no-color', 'web']);
      for (let i = 0; i < 10 && !logs.stdout.includes('truth-log'); i++) {
        await new Promise((r) => setTimeout(r, 300));
        logs = await run(['logs', '--no-color', 'web']);
      }
      expect(verdict(report, 'compose.logs').status).toBe(expectedStatus(logs.ok && logs.stdout.includes('truth-log')));

      const scale = await run(['up', '-d', '--scale', `worker=${SCALE_TO}`]);
      expect(verdict(report, 'compose.scale').status).toBe(expectedStatus(scale.ok && (await resources.running('worker')) === SCALE_TO));

      const exec = await run(['exec', '-T', 'web', 'cat', '/data/token']);
      expect(verdict(report, 'compose.exec').status).toBe(expectedStatus(exec.ok && exec.stdout.trim() === 'truth-volume'));

      const createdBeforeDown = await resources.all();
      const down = await run(['down', '-v', '--remove-orphans', '-t', '1']);
      const leftAfterDown = await resources.all();
      expect(createdBeforeDown.length).toBeGreaterThan(0);
      expect(verdict(report, 'compose.down').status).toBe(expectedStatus(down.ok && leftAfterDown.length === 0));
    }

    for (const id of IDS) expect(verdict(report, id).evidence.tried.length, id).toBeGreaterThan(0);
    // Nothing of the probe's project: no containers, networks or volumes, by Compose's label and by cap-probe's.
    expect(await (await projectResources(`cap-probe-${report.runId}`)).all()).toEqual([]);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('leaves no project behind when the run is interrupted half-way', async () => {
    if (!(await findCompose())) return;
    const controller = new AbortController();
    // Long enough for `up -d` to have created the project, short of the whole sequence.
    const timer = setTimeout(() => controller.abort(new Error('test interrupt')), 2_500);
    const report = await runProbes([compose], { signal: controller.signal });
    clearTimeout(timer);
    const undecided = report.capabilities.filter((c) => c.status === 'unknown');
    expect(undecided.length).toBeGreaterThan(0);
    for (const row of undecided) expect(row.reason).toMatch(/aborted|dependency-failed/);
    // The probe's own `down` may still be finishing after the run's cleanup: give it the moment it needs.
    const project = await projectResources(`cap-probe-${report.runId}`);
    let left = await project.all();
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      left = await project.all();
    }
    expect(left).toEqual([]);
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
