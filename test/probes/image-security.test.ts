import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import imageSecurity from '../../probes/image-security.js';
import { docker, expectedStatus, leftovers, runProbes, verdict, type GroundTruth } from '../support/harness.js';

// Loopback registries from scripts/env/20-registries.sh. Content trust asks the registry's host for a notary
// server unless DOCKER_CONTENT_TRUST_SERVER names one: the open registry speaks plain HTTP, the refused
// port has nothing listening. No traffic leaves loopback.
const OPEN = process.env.CAP_PROBE_TEST_REGISTRY_OPEN;
const REFUSED = process.env.CAP_PROBE_TEST_REGISTRY_REFUSED;
const IMAGE = process.env.CAP_PROBE_TEST_REGISTRY_IMAGE ?? 'cap-probe/busybox:latest';

type TrustOptions = {
  readonly contentTrustImage: string;
  readonly contentTrustServer?: string;
};

/** The reason a failed trusted pull must give, read from the CLI's own words. */
function expectedReason(truth: GroundTruth): string | undefined {
  const said = `${truth.stderr}\n${truth.stdout}`;
  if (/connection refused/i.test(said)) return 'connection-refused';
  if (/no such host/i.test(said)) return 'dns';
  if (/first record does not look like a TLS handshake|server gave HTTP response to HTTPS client|x509|certificate/i.test(said)) return 'tls';
  if (/does not have trust data|no valid trust data|no trust data available/i.test(said)) return 'not-found';
  return undefined;
}

describe('image-security probe against the real engine and CLI', () => {
  const config = mkdtempSync(join(tmpdir(), 'cap-probe-truth-config-'));
  const pulledByTruth: string[] = [];
  afterAll(async () => {
    for (const ref of pulledByTruth) await docker(['rmi', ref]);
    rmSync(config, { recursive: true, force: true });
  });

  it('has the loopback registries of the test environment (scripts/env/20-registries.sh)', () => {
    expect(OPEN, 'CAP_PROBE_TEST_REGISTRY_OPEN').toBeTruthy();
    expect(REFUSED, 'CAP_PROBE_TEST_REGISTRY_REFUSED').toBeTruthy();
  });

  const cases = [
    { name: 'a registry without a notary (plain HTTP where TLS is expected)', options: (): TrustOptions => ({ contentTrustImage: `${OPEN}/${IMAGE}` }) },
    { name: 'a notary server that refuses connections', options: (): TrustOptions => ({ contentTrustImage: `${OPEN}/${IMAGE}`, contentTrustServer: `https://${REFUSED}` }) },
  ];

  for (const { name, options: makeOptions } of cases) {
    it(`decides the trusted pull and the scanner as the CLI does: ${name}`, async () => {
      const options = makeOptions();
      const report = await runProbes([imageSecurity], { extraOptions: options });

      // Content trust: the same pull, trust on, with a throwaway config.
      const existed = (await docker(['image', 'inspect', options.contentTrustImage])).ok;
      const env: Record<string, string> = { DOCKER_CONFIG: config, DOCKER_CONTENT_TRUST: '1', ...(options.contentTrustServer ? { DOCKER_CONTENT_TRUST_SERVER: options.contentTrustServer } : {}) };
      const pull = await docker(['pull', options.contentTrustImage], { env, timeoutMs: 120_000 });
      if (pull.ok && !existed) pulledByTruth.push(options.contentTrustImage);
      const trust = verdict(report, 'security.content-trust');
      expect(trust.status, trust.detail).toBe(expectedStatus(pull));
      if (!pull.ok) {
        expect(expectedReason(pull), `a CLI failure this test knows: ${pull.stderr}`).toBeDefined();
        expect(trust.reason).toBe(expectedReason(pull));
      }

      // Scanner: the CLI's own list of plugins (the user's included) says whether scout or scan is installed.
      const info = await docker(['info', '--format', '{{json .ClientInfo.Plugins}}']);
      const plugins = (JSON.parse(info.stdout || '[]') as Array<{ Name?: string; Err?: string }> | null) ?? [];
      const scanner = plugins.some((p) => (p.Name === 'scout' || p.Name === 'scan') && !p.Err);
      const scan = verdict(report, 'security.scan');
      expect(scan.status, scan.detail).toBe(expectedStatus(scanner));
      if (!scanner) expect(scan.reason).toBe('plugin-missing');

      for (const row of report.capabilities) expect(row.evidence.tried.length, row.id).toBeGreaterThan(0);
      expect(await leftovers(report.runId)).toEqual([]);
    });
  }
});
