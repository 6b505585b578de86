/**
 * The image prunes' safety net: when the engine's label filters match more than the probe's own image
 * (Podman 4 ORs them), the probe must not prune at all. The real engine underneath, with its list answer
 * widened the way such an engine widens it.
 */
import Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { CapabilityId } from '../../src/catalogue.js';
import type { Outcome, ProbeContext } from '../../src/define-probe.js';
import { createDockerCli } from '../../src/docker-cli.js';
import { CleanupLedger } from '../../src/ledger.js';
import { newRunId } from '../../src/run.js';
import imageLocal from '../../probes/image-local.js';
import { leftovers } from '../support/harness.js';

type Decided = (typeof imageLocal.decides)[number];

describe('image-local prunes on an engine whose label filters do not AND', () => {
  it('lists first, sees images beyond its own, and does not prune', async () => {
    const real = new Dockerode({ socketPath: '/var/run/docker.sock' });
    const pruneCalls: unknown[] = [];
    const widened = new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'listImages') {
          return async (options: { filters?: string }) => {
            const listed = await target.listImages(options as Dockerode.ListImagesOptions);
            // An OR-ing engine also answers with images that carry only one of the labels.
            return options.filters?.includes('dangling') ? [...listed, { ...listed[0], Id: 'sha256:someone-elses' }] : listed;
          };
        }
        if (key === 'pruneImages') return async (options: unknown) => (pruneCalls.push(options), { ImagesDeleted: [], SpaceReclaimed: 0 });
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });

    const runId = newRunId();
    const ledger = new CleanupLedger(runId);
    const cli = createDockerCli(undefined);
    const outcomes = new Map<CapabilityId, Outcome>();
    const record = <O extends Outcome>(o: O): O => (outcomes.set(o.id, o), o);
    const ctx: ProbeContext<Decided> = {
      runId,
      signal: new AbortController().signal,
      engine: null,
      docker: widened,
      image: null,
      resources: ledger,
      cli,
      options: { publishedPortHost: '127.0.0.1' },
      results: new Map(),
      record,
      check: () => Promise.reject(new Error('image-local decides through its own judge, not ctx.check')),
    };
    try {
      for (const o of (await imageLocal.run(ctx)) ?? []) record(o);
    } finally {
      await ledger.cleanup(real);
      cli.dispose();
    }

    expect(pruneCalls).toEqual([]);
    for (const id of ['image.prune', 'image.prune.all'] as const) {
      expect(outcomes.get(id)?.status, id).toBe('unknown');
      expect(outcomes.get(id)?.reason, id).toBe('unexpected-result');
    }
    expect(outcomes.get('image.ls')?.status).toBe('supported');
    expect(await leftovers(runId)).toEqual([]);
    expect((await real.listImages({ filters: JSON.stringify({ label: [`io.cap-probe.run=${runId}-control`] }) })).length).toBe(0);
  });
});
