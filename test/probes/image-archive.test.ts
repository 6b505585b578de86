import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import imageArchive from '../../probes/image-archive.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

describe('image-archive probe against the real engine', () => {
  const truthLabel = `io.cap-probe.truth=${randomBytes(4).toString('hex')}`;
  const truthContainer = truthName('export');
  const folder = mkdtempSync(join(tmpdir(), 'cap-probe-truth-archive-'));
  afterAll(async () => {
    await docker(['rm', '-f', truthContainer]);
    const ids = (await docker(['images', '-aq', '--filter', `label=${truthLabel}`])).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker(['rmi', '-f', ...new Set(ids)]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('decides export, import, save and load as the docker CLI does, with the archives as evidence', async () => {
    const report = await runProbes([imageArchive]);

    // Ground truth: the document's own flow with the CLI — export a container, import it, save it, remove it, load it.
    expect((await docker(['create', '--name', truthContainer, TEST_IMAGE, 'true'])).ok).toBe(true);
    const containerTar = join(folder, 'container.tar');
    const exported = await docker(['export', '-o', containerTar, truthContainer]);
    const exportOk = exported.ok && statSync(containerTar, { throwIfNoEntry: false })?.size !== undefined && statSync(containerTar).size > 0;
    expect(verdict(report, 'container.export').status).toBe(expectedStatus(exportOk));

    const ref = `${truthName('image')}:imported`;
    const imported = await docker(['import', '--change', `LABEL ${truthLabel}`, containerTar, ref]);
    expect(verdict(report, 'image.import').status).toBe(expectedStatus(imported.ok && (await docker(['image', 'inspect', ref])).ok));

    const imageTar = join(folder, 'image.tar');
    const saved = await docker(['save', '-o', imageTar, ref]);
    expect(verdict(report, 'image.save').status).toBe(expectedStatus(saved.ok && statSync(imageTar).size > 0));

    const id = (await docker(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
    expect((await docker(['rmi', ref])).ok).toBe(true);
    const loaded = await docker(['load', '-i', imageTar]);
    const back = (await docker(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
    expect(verdict(report, 'image.load').status).toBe(expectedStatus(loaded.ok && back === id));

    // Evidence: the archives' sizes, as the engine streamed them.
    for (const row of ['container.export', 'image.save'] as const) {
      const found = verdict(report, row);
      if (found.status === 'supported') expect((found.evidence.facts as { bytes: number }).bytes, row).toBeGreaterThan(0);
    }
    for (const row of report.capabilities) expect(row.evidence.tried.length, row.id).toBeGreaterThan(0);
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
