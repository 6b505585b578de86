import { afterAll, describe, expect, it } from 'vitest';
import volume from '../../probes/volume.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

describe('volume probe against the real engine', () => {
  const name = truthName('vol');
  const decoy = truthName('vol-decoy');
  afterAll(async () => {
    await docker(['volume', 'rm', '-f', name, decoy]);
  });

  it('decides every volume row as the docker CLI does, spares unused volumes of others, leaves nothing behind', async () => {
    // An unused volume of someone else's, labelled like cap-probe's: prune must not take it.
    await docker(['volume', 'create', '--label', 'io.cap-probe=true', decoy]);
    const report = await runProbes([volume]);
    expect((await docker(['volume', 'inspect', decoy])).ok).toBe(true);

    expect(verdict(report, 'volume.create').status).toBe(expectedStatus(await docker(['volume', 'create', name])));
    const ls = await docker(['volume', 'ls', '--format', '{{.Name}}']);
    expect(verdict(report, 'volume.ls').status).toBe(expectedStatus(ls.stdout.split('\n').includes(name)));
    expect(verdict(report, 'volume.inspect').status).toBe(expectedStatus(await docker(['volume', 'inspect', name])));
    const write = await docker(['run', '--rm', '-v', `${name}:/data`, TEST_IMAGE, 'sh', '-c', 'echo truth-ok > /data/t']);
    const read = await docker(['run', '--rm', '-v', `${name}:/data`, TEST_IMAGE, 'cat', '/data/t']);
    expect(verdict(report, 'volume.share').status).toBe(expectedStatus(write.ok && read.stdout.includes('truth-ok')));
    expect(verdict(report, 'volume.rm').status).toBe(expectedStatus(await docker(['volume', 'rm', name])));
    await docker(['volume', 'create', '--label', `truth=${name}`, name]);
    const prune = await docker(['volume', 'prune', '-f', '--filter', `label=truth=${name}`]);
    const pruned = !(await docker(['volume', 'inspect', name])).ok;
    expect(verdict(report, 'volume.prune').status).toBe(expectedStatus(prune.ok && pruned));

    expect(await leftovers(report.runId)).toEqual([]);
  });
});
