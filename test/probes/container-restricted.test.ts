import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import containerRestricted, { hasFullCapabilities } from '../../probes/container-restricted.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

const CAPS = 'grep CapEff /proc/self/status; cat /proc/sys/kernel/cap_last_cap';

describe('hasFullCapabilities', () => {
  it('is true only when every capability up to cap_last_cap is effective', () => {
    expect(hasFullCapabilities('CapEff:\t000001ffffffffff\n40\n').full).toBe(true);
    expect(hasFullCapabilities('CapEff:\t00000000a80425fb\n40\n').full).toBe(false);
    expect(hasFullCapabilities('nothing').full).toBe(false);
  });
});

describe('container-restricted probe against the real engine', () => {
  const server = truthName('hostnet');
  const dir = mkdtempSync(join(tmpdir(), 'cap-probe-truth-'));
  afterAll(async () => {
    await docker(['rm', '-f', server]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides the refused-by-sandboxes options as the docker CLI does, refused and allowed alike', async () => {
    const report = await runProbes([containerRestricted]);

    const privileged = await docker(['run', '--rm', '--privileged', TEST_IMAGE, 'sh', '-c', CAPS]);
    expect(verdict(report, 'container.run.privileged').status).toBe(expectedStatus(privileged.ok && hasFullCapabilities(privileged.stdout).full));
    if (!privileged.ok) expect(verdict(report, 'container.run.privileged').reason).toBe('refused-by-engine');

    const capAdd = await docker(['run', '--rm', '--cap-add=ALL', TEST_IMAGE, 'sh', '-c', CAPS]);
    expect(verdict(report, 'container.run.cap-add-all').status).toBe(expectedStatus(capAdd.ok && hasFullCapabilities(capAdd.stdout).full));

    // Host network: a server in the container answers on the host's loopback.
    const port = 20000 + Math.floor(Math.random() * 20000);
    await docker(['run', '-d', '--name', server, '--network', 'host', TEST_IMAGE, 'sh', '-c', `mkdir -p /w && echo cap-probe-ok > /w/index.html && exec httpd -f -p ${port} -h /w`]);
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      reached = await fetch(`http://127.0.0.1:${port}/index.html`).then(async (r) => (await r.text()).includes('cap-probe-ok'), () => false);
      if (!reached) await new Promise((r) => setTimeout(r, 250));
    }
    expect(verdict(report, 'container.run.host-network').status).toBe(expectedStatus(reached));

    writeFileSync(join(dir, 'token'), 'truth-ok');
    const bind = await docker(['run', '--rm', '-v', `${dir}:/x:ro`, TEST_IMAGE, 'cat', '/x/token']);
    expect(verdict(report, 'container.run.bind-mount').status).toBe(expectedStatus(bind.ok && bind.stdout.includes('truth-ok')));

    expect(await leftovers(report.runId)).toEqual([]);
  });
});
