import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import imageLocal from '../../probes/image-local.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

describe('image-local probe against the real engine', () => {
  // Ground truth works on images of its own, marked by a label of this test only.
  const truthLabel = `io.cap-probe.truth=${randomBytes(4).toString('hex')}`;
  const truthContainer = truthName('image-base');
  afterAll(async () => {
    await docker(['rm', '-f', truthContainer]);
    const ids = (await docker(['images', '-aq', '--filter', `label=${truthLabel}`])).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker(['rmi', '-f', ...new Set(ids)]);
  });

  it('decides ls, inspect, history, tag, rm and both prunes as the docker CLI does, touching only its own images', async () => {
    const report = await runProbes([imageLocal]);

    // Ground truth: the CLI doing the same operations on images committed from a container of its own.
    expect((await docker(['create', '--name', truthContainer, TEST_IMAGE, 'true'])).ok).toBe(true);
    const repo = truthName('image');
    const commit = await docker(['commit', '--change', `LABEL ${truthLabel}`, truthContainer, `${repo}:v1`]);
    expect(commit.ok, commit.stderr).toBe(true);
    const id = commit.stdout.trim();

    const ls = await docker(['image', 'ls', '-q', '--no-trunc', repo]);
    expect(verdict(report, 'image.ls').status).toBe(expectedStatus(ls.ok && ls.stdout.includes(id)));
    expect(verdict(report, 'image.inspect').status).toBe(expectedStatus(await docker(['image', 'inspect', `${repo}:v1`])));
    const history = await docker(['history', '-q', `${repo}:v1`]);
    expect(verdict(report, 'image.history').status).toBe(expectedStatus(history.ok && history.stdout.trim().length > 0));
    const tag = await docker(['tag', `${repo}:v1`, `${repo}:v2`]);
    const tagged = await docker(['image', 'inspect', '--format', '{{.Id}}', `${repo}:v2`]);
    expect(verdict(report, 'image.tag').status).toBe(expectedStatus(tag.ok && tagged.stdout.trim() === id));
    const rm = (await docker(['rmi', `${repo}:v2`])).ok && (await docker(['rmi', `${repo}:v1`])).ok;
    const gone = !(await docker(['image', 'inspect', id])).ok;
    expect(verdict(report, 'image.rm').status).toBe(expectedStatus(rm && gone));

    // Prunes, filtered by the test's label: a dangling image goes with prune, a tagged unused one with prune -a.
    const dangling = (await docker(['commit', '--change', `LABEL ${truthLabel}`, truthContainer])).stdout.trim();
    const unused = (await docker(['commit', '--change', `LABEL ${truthLabel}`, truthContainer, `${repo}:unused`])).stdout.trim();
    await docker(['rm', '-f', truthContainer]);
    const prune = await docker(['image', 'prune', '-f', '--filter', `label=${truthLabel}`]);
    const pruned = !(await docker(['image', 'inspect', dangling])).ok && (await docker(['image', 'inspect', unused])).ok;
    expect(verdict(report, 'image.prune').status).toBe(expectedStatus(prune.ok && pruned));
    const pruneAll = await docker(['image', 'prune', '-a', '-f', '--filter', `label=${truthLabel}`]);
    expect(verdict(report, 'image.prune.all').status).toBe(expectedStatus(pruneAll.ok && !(await docker(['image', 'inspect', unused])).ok));

    // The probe's own evidence: its prunes removed its images and neither control (one lacks the run label).
    for (const id of ['image.prune', 'image.prune.all'] as const) {
      const row = verdict(report, id);
      if (row.status === 'supported') {
        const facts = row.evidence.facts as { images: { controls: string[] }; deleted: string[] };
        expect(facts.images.controls, id).toHaveLength(2);
        for (const control of facts.images.controls) expect(facts.deleted, id).not.toContain(control);
      }
    }
    // Images the probe did not create survive it (other tests share the engine, so only the test image is checked).
    expect((await docker(['image', 'inspect', TEST_IMAGE])).ok).toBe(true);
    expect((await docker(['images', '-q', '--filter', `label=io.cap-probe.run=${report.runId}-control`])).stdout).toBe('');

    for (const row of report.capabilities) expect(row.evidence.tried.length, row.id).toBeGreaterThan(0);
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
