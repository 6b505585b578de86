import { afterAll, describe, expect, it } from 'vitest';
import containerPrune from '../../probes/container-prune.js';
import { docker, expectedStatus, leftovers, runProbes, TEST_IMAGE, truthName, verdict } from '../support/harness.js';

describe('container-prune probe against the real engine', () => {
  const decoy = truthName('prune-decoy');
  const mine = truthName('prune-mine');
  afterAll(async () => {
    await docker(['rm', '-f', decoy, mine]);
  });

  it('prunes only its own stopped container, as the filtered CLI prune does', async () => {
    // A user's stopped container, named and labelled like cap-probe's: it must survive.
    await docker(['create', '--name', decoy, '--label', 'io.cap-probe=true', TEST_IMAGE, 'true']);
    const report = await runProbes([containerPrune]);
    expect((await docker(['inspect', decoy])).ok).toBe(true);

    await docker(['run', '--name', mine, '--label', `truth=${mine}`, TEST_IMAGE, 'true']);
    const prune = await docker(['container', 'prune', '-f', '--filter', `label=truth=${mine}`]);
    const pruned = !(await docker(['inspect', mine])).ok;
    expect(verdict(report, 'container.prune').status).toBe(expectedStatus(prune.ok && pruned));
    expect((await docker(['inspect', decoy])).ok).toBe(true);

    expect(await leftovers(report.runId)).toEqual([]);
  });
});
