import { describe, expect, it } from 'vitest';
import egressProxy from '../../probes/egress-proxy.js';
import { docker, leftovers, runProbes, verdict } from '../support/harness.js';
import { registryEnv, tcpConnect } from '../support/registry-env.js';

describe('egress-proxy probe', () => {
  it('finds the proxy the environment names (either case) and checks that it answers, as a direct connection does', async () => {
    const proxy = registryEnv.proxy;
    const report = await runProbes([egressProxy], { extraOptions: { env: { https_proxy: proxy } } });
    const reachable = await tcpConnect(new URL(proxy).host);
    expect(verdict(report, 'security.egress-proxy').status).toBe(reachable === 'open' ? 'supported' : 'unsupported');
    expect(verdict(report, 'security.egress-proxy').detail).toContain(new URL(proxy).host);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('says a named proxy that refuses connections is not reachable', async () => {
    const dead = `http://${registryEnv.refused}`;
    const report = await runProbes([egressProxy], { extraOptions: { env: { HTTP_PROXY: dead } } });
    const daemonProxy = (await docker(['info', '--format', '{{.HTTPProxy}}{{.HTTPSProxy}}'])).stdout.trim();
    expect(await tcpConnect(registryEnv.refused)).toBe('ECONNREFUSED');
    if (!daemonProxy) expect(verdict(report, 'security.egress-proxy')).toMatchObject({ status: 'unsupported', reason: 'not-reachable' });
  });

  it('without a proxy in the environment: unsupported/not-found exactly when the daemon has none either', async () => {
    const report = await runProbes([egressProxy], { extraOptions: { env: {} } });
    const daemonProxy = (await docker(['info', '--format', '{{.HTTPProxy}}{{.HTTPSProxy}}'])).stdout.trim();
    if (daemonProxy) expect(verdict(report, 'security.egress-proxy').reason).not.toBe('not-found');
    else expect(verdict(report, 'security.egress-proxy')).toMatchObject({ status: 'unsupported', reason: 'not-found' });
  });
});
