import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import imageRemoteInspect from '../../probes/image-remote-inspect.js';
import { docker, expectedStatus, leftovers, runProbes, verdict, type GroundTruth } from '../support/harness.js';

// Loopback registries started by scripts/env/20-registries.sh: an open one holding a two-platform index,
// and a port where nothing listens. No test here sends traffic anywhere but loopback.
const OPEN = process.env.CAP_PROBE_TEST_REGISTRY_OPEN;
const REFUSED = process.env.CAP_PROBE_TEST_REGISTRY_REFUSED;
const INDEX = 'cap-probe/busybox:latest';

/** The reason a CLI failure must give, read from the CLI's own words. */
function expectedReason(truth: GroundTruth): string | undefined {
  const said = `${truth.stderr}\n${truth.stdout}`;
  if (/unknown command|is not a docker command/i.test(said)) return 'plugin-missing';
  if (/connection refused/i.test(said)) return 'connection-refused';
  if (/no such host/i.test(said)) return 'dns';
  if (/no such manifest|manifest unknown/i.test(said)) return 'not-found';
  if (/server gave HTTP response to HTTPS client/i.test(said)) return 'tls';
  return undefined;
}

describe('image-remote-inspect probe against loopback registries', () => {
  it('has the loopback registries of the test environment (scripts/env/20-registries.sh)', () => {
    expect(OPEN, 'CAP_PROBE_TEST_REGISTRY_OPEN').toBeTruthy();
    expect(REFUSED, 'CAP_PROBE_TEST_REGISTRY_REFUSED').toBeTruthy();
  });

  // The ground truth's CLI gets a throwaway config, like cap-probe's.
  const config = mkdtempSync(join(tmpdir(), 'cap-probe-truth-config-'));
  const cli = (args: string[]) => docker(args, { env: { DOCKER_CONFIG: config, DOCKER_CLI_EXPERIMENTAL: 'enabled' } });
  afterAll(() => rmSync(config, { recursive: true, force: true }));

  const cases = [
    { name: 'a two-platform index on an open registry', ref: () => `${OPEN}/${INDEX}` },
    { name: 'a tag the open registry does not have', ref: () => `${OPEN}/cap-probe/busybox:no-such-tag` },
    { name: 'a registry port that refuses connections', ref: () => `${REFUSED}/${INDEX}` },
  ];

  for (const { name, ref: makeRef } of cases) {
    it(`decides manifest and imagetools inspect as the CLI does: ${name}`, async () => {
      const ref = makeRef();
      const report = await runProbes([imageRemoteInspect], { extraOptions: { remoteImage: ref } });

      // manifest inspect: the same command, verdict and reason from its exit code and words.
      const manifest = await cli(['manifest', 'inspect', '--insecure', ref]);
      const manifestRow = verdict(report, 'image.manifest-inspect');
      expect(manifestRow.status, manifestRow.detail).toBe(expectedStatus(manifest));
      if (manifest.ok) {
        const platforms = ((JSON.parse(manifest.stdout) as { manifests?: Array<{ platform: { os: string; architecture: string } }> }).manifests ?? []).map((m) => `${m.platform.os}/${m.platform.architecture}`);
        expect((manifestRow.evidence.facts as { platforms?: string[] }).platforms).toEqual(platforms);
      } else {
        expect(expectedReason(manifest), `a CLI failure this test knows: ${manifest.stderr}`).toBeDefined();
        expect(manifestRow.reason).toBe(expectedReason(manifest));
      }

      // imagetools inspect: whether buildx is installed is the CLI's to say, not this test's.
      const buildx = await cli(['buildx', 'version']);
      const imagetoolsRow = verdict(report, 'image.imagetools-inspect');
      if (!buildx.ok) {
        expect(expectedReason(buildx), buildx.stderr).toBeDefined();
        expect(imagetoolsRow.status).toBe('unsupported');
        expect(imagetoolsRow.reason).toBe(expectedReason(buildx));
      } else {
        const imagetools = await cli(['buildx', 'imagetools', 'inspect', '--raw', ref]);
        expect(imagetoolsRow.status, imagetoolsRow.detail).toBe(expectedStatus(imagetools));
        if (!imagetools.ok) expect(imagetoolsRow.reason).toBe(expectedReason(imagetools) ?? imagetoolsRow.reason);
      }

      for (const row of report.capabilities) expect(row.evidence.tried.length, row.id).toBeGreaterThan(0);
      expect(await leftovers(report.runId)).toEqual([]);
    });
  }
});
