/** The runner as pure logic, with fake probes: scheduling, needs, timeouts, throws, the deadline. */
import { describe, expect, it } from 'vitest';
import type { CapabilityId } from '../../src/catalogue.js';
import { defineProbe, supported, unsupported, type AnyProbe } from '../../src/define-probe.js';
import type { DockerCli } from '../../src/docker-cli.js';
import type { EngineConnection } from '../../src/engine.js';
import { CleanupLedger } from '../../src/ledger.js';
import { RunStop, runProbes, type RunnerInput } from '../../src/runner.js';

const noCli: DockerCli = {
  env: {},
  configDir: '/nonexistent',
  run: () => Promise.reject(new Error('no CLI in unit tests')),
  exec: () => Promise.reject(new Error('no CLI in unit tests')),
  dispose: () => undefined,
};

function input(probes: AnyProbe[], overrides: Partial<RunnerInput> = {}): RunnerInput {
  return {
    probes,
    selected: new Set<CapabilityId>(probes.flatMap((p) => p.decides)),
    engine: { facts: {} } as unknown as EngineConnection,
    engineUnreachable: { detail: 'no engine answered; tried unix:///x.sock', tried: ['unix:///x.sock'] },
    image: { ref: 'img', source: 'local', why: 'test' },
    imageUnavailable: { detail: 'no runnable image', tried: [] },
    cliAvailable: true,
    cli: noCli,
    resources: new CleanupLedger('test'),
    runId: 'test',
    options: { publishedPortHost: '127.0.0.1' },
    concurrency: 4,
    probeTimeoutMs: 5_000,
    signal: new AbortController().signal,
    graceMs: 10,
    ...overrides,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runProbes', () => {
  it('runs a probe after the probes it depends on, independent ones concurrently', async () => {
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const make = (id: string, decides: CapabilityId, dependsOn: string[] = []) =>
      defineProbe({
        id,
        title: id,
        decides: [decides],
        needs: [],
        dependsOn,
        async run() {
          running += 1;
          peak = Math.max(peak, running);
          await sleep(30);
          order.push(id);
          running -= 1;
          return [supported(decides, 'ok', { tried: [id] })];
        },
      }) as AnyProbe;
    const results = await runProbes(input([make('late', 'network.rm', ['a', 'b']), make('a', 'network.create'), make('b', 'network.ls')]));
    expect(order.at(-1)).toBe('late');
    expect(peak).toBe(2);
    expect(results.get('network.rm')?.outcome.status).toBe('supported');
  });

  it('answers for probes whose needs are not met, with the endpoints tried', async () => {
    const probe = defineProbe({ id: 'p', title: 'p', decides: ['network.create'], needs: ['engine'], run: () => Promise.reject(new Error('must not run')) }) as AnyProbe;
    const noEngine = await runProbes(input([probe], { engine: null }));
    expect(noEngine.get('network.create')?.outcome).toMatchObject({ status: 'unsupported', reason: 'engine-unreachable', evidence: { tried: ['unix:///x.sock'] } });
    const imageProbe = defineProbe({ id: 'q', title: 'q', decides: ['volume.share'], needs: ['engine', 'image'], run: () => Promise.reject(new Error('must not run')) }) as AnyProbe;
    const noImage = await runProbes(input([imageProbe], { image: null }));
    expect(noImage.get('volume.share')?.outcome).toMatchObject({ status: 'unknown', reason: 'no-runnable-image' });
  });

  it('turns a throw into probe-error for what the probe had not decided, keeping what it had', async () => {
    const probe = defineProbe({
      id: 'p',
      title: 'p',
      decides: ['network.create', 'network.ls'],
      needs: [],
      async run(ctx) {
        ctx.record(unsupported('network.create', 'refused-by-engine', 'no', { tried: ['x'] }));
        throw new Error('boom');
      },
    }) as AnyProbe;
    const results = await runProbes(input([probe]));
    expect(results.get('network.create')?.outcome.reason).toBe('refused-by-engine');
    expect(results.get('network.ls')?.outcome).toMatchObject({ status: 'unknown', reason: 'probe-error', detail: expect.stringContaining('boom') });
  });

  it('gives a probe that overruns its timeout `unknown`/`timeout`, and moves on', async () => {
    const probe = defineProbe({ id: 'slow', title: 'slow', decides: ['network.create'], needs: [], timeoutMs: 50, run: () => sleep(10_000) }) as AnyProbe;
    const t0 = Date.now();
    const results = await runProbes(input([probe]));
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(results.get('network.create')?.outcome).toMatchObject({ status: 'unknown', reason: 'timeout' });
  });

  it('marks what the global deadline cut short as `deadline`, and what never started too', async () => {
    const controller = new AbortController();
    const first = defineProbe({ id: 'first', title: 'first', decides: ['network.create'], needs: [], run: () => sleep(10_000) }) as AnyProbe;
    const second = defineProbe({ id: 'second', title: 'second', decides: ['network.ls'], needs: [], dependsOn: ['first'], run: () => sleep(10) }) as AnyProbe;
    setTimeout(() => controller.abort(new RunStop('deadline', '--timeout 50ms ran out')), 50);
    const results = await runProbes(input([first, second], { signal: controller.signal }));
    expect(results.get('network.create')?.outcome).toMatchObject({ status: 'unknown', reason: 'deadline' });
    expect(results.get('network.ls')?.outcome).toMatchObject({ status: 'unknown', reason: 'deadline' });
  });

  it('reports only selected capabilities, and ignores outcomes for ids a probe does not declare', async () => {
    const probe = defineProbe({
      id: 'p',
      title: 'p',
      decides: ['network.create', 'network.ls'],
      needs: [],
      run: async () => [supported('network.create', 'ok', { tried: [] }), supported('network.ls', 'ok', { tried: [] })],
    }) as AnyProbe;
    const results = await runProbes(input([probe], { selected: new Set<CapabilityId>(['network.ls']) }));
    expect([...results.keys()]).toEqual(['network.ls']);
  });
});
