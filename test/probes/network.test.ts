import { afterAll, describe, expect, it } from 'vitest';
import network from '../../probes/network.js';
import { docker, expectedStatus, leftovers, ncFetch, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

describe('network probe against the real engine', () => {
  const cleanup: string[][] = [];
  afterAll(async () => {
    for (const args of cleanup.reverse()) await docker(args);
  });

  it('decides every network row as the docker CLI does, and leaves nothing behind', async () => {
    const report = await runProbes([network]);

    // Ground truth, independently: the CLI doing the same operations on networks of its own.
    const net = truthName('net');
    const create = await docker(['network', 'create', net]);
    cleanup.push(['network', 'rm', net]);
    expect(verdict(report, 'network.create').status).toBe(expectedStatus(create));

    const ls = await docker(['network', 'ls', '--format', '{{.Name}}']);
    expect(verdict(report, 'network.ls').status).toBe(expectedStatus(ls.ok && ls.stdout.split('\n').includes(net)));

    const inspect = await docker(['network', 'inspect', net]);
    expect(verdict(report, 'network.inspect').status).toBe(expectedStatus(inspect));

    const server = truthName('server');
    await docker(['run', '-d', '--name', server, TEST_IMAGE, 'sh', '-c', 'mkdir -p /w && echo cap-probe-ok > /w/index.html && exec httpd -f -p 8080 -h /w']);
    cleanup.push(['rm', '-f', server]);
    const connect = await docker(['network', 'connect', '--alias', 'truth-server', net, server]);
    const reach = await docker(['run', '--rm', '--network', net, TEST_IMAGE, 'sh', '-c', ncFetch('truth-server', 8080)]);
    expect(verdict(report, 'network.connect').status).toBe(expectedStatus(connect.ok && reach.ok));
    await docker(['rm', '-f', server]);

    const rm = await docker(['network', 'rm', net]);
    expect(verdict(report, 'network.rm').status).toBe(expectedStatus(rm));

    for (const row of report.capabilities) expect(row.evidence.tried.length, row.id).toBeGreaterThan(0);
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
