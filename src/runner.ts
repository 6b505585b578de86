/**
 * The runner: schedules probes by their declared dependencies, runs independent ones concurrently,
 * gives each a timeout, answers for probes whose needs are not met, and turns every way a probe can end
 * (outcomes, a throw, a timeout, the global deadline, Ctrl-C) into outcomes for every capability it decides.
 */
import type Dockerode from 'dockerode';
import type { CapabilityId } from './catalogue.js';
import { fromError, supported, unknown, unsupported, type AnyProbe, type Outcome, type ProbeContext, type ProbeOptions } from './define-probe.js';
import type { DockerCli } from './docker-cli.js';
import type { EngineConnection } from './engine.js';
import { errorText } from './errors.js';
import type { ResourceScope } from './ledger.js';
import type { Reason } from './model.js';
import type { ProbeImage } from './probe-image.js';

export type RunEvent =
  | { readonly type: 'probe-start'; readonly probe: string }
  | { readonly type: 'probe-end'; readonly probe: string; readonly durationMs: number }
  | { readonly type: 'outcome'; readonly probe: string | null; readonly outcome: Outcome };

export interface Decided {
  readonly outcome: Outcome;
  readonly probe: string;
}

/** Why the run as a whole stopped early: carried as the global signal's abort reason. */
export class RunStop extends Error {
  constructor(readonly reason: Extract<Reason, 'aborted' | 'deadline'>, message: string) {
    super(message);
  }
}

export interface RunnerInput {
  readonly probes: readonly AnyProbe[];
  readonly selected: ReadonlySet<CapabilityId>;
  readonly engine: EngineConnection | null;
  /** Said in every engine-unreachable outcome: which endpoints were tried and how they failed. */
  readonly engineUnreachable: { readonly detail: string; readonly tried: string[] };
  readonly image: ProbeImage | null;
  readonly imageUnavailable: { readonly detail: string; readonly tried: string[] };
  readonly cliAvailable: boolean;
  readonly cli: DockerCli;
  readonly resources: ResourceScope;
  readonly runId: string;
  readonly options: ProbeOptions;
  readonly concurrency: number;
  readonly probeTimeoutMs: number;
  /** Aborted on Ctrl-C or the global deadline, with a RunStop as its reason. */
  readonly signal: AbortSignal;
  /** How long a probe that was told to stop may take to wind down before the run moves on. */
  readonly graceMs?: number;
  readonly onEvent?: (event: RunEvent) => void;
}

/** Probes that decide at least one selected capability, in registry order. */
export function probesFor(probes: readonly AnyProbe[], selected: ReadonlySet<CapabilityId>): AnyProbe[] {
  return probes.filter((p) => p.decides.some((id) => selected.has(id)));
}

export async function runProbes(input: RunnerInput): Promise<Map<CapabilityId, Decided>> {
  const results = new Map<CapabilityId, Decided>();
  const outcomesView = new Map<CapabilityId, Outcome>();
  const scheduled = probesFor(input.probes, input.selected);
  const scheduledIds = new Set(scheduled.map((p) => p.id));
  const finished = new Set<string>();
  const pending = [...scheduled];
  const running = new Map<string, Promise<void>>();

  const publish = (probe: AnyProbe, outcome: Outcome) => {
    if (!input.selected.has(outcome.id) || !probe.decides.includes(outcome.id)) return;
    results.set(outcome.id, { outcome, probe: probe.id });
    outcomesView.set(outcome.id, outcome);
    input.onEvent?.({ type: 'outcome', probe: probe.id, outcome });
  };

  const ready = (probe: AnyProbe) => (probe.dependsOn ?? []).every((dep) => !scheduledIds.has(dep) || finished.has(dep));

  while (pending.length > 0 || running.size > 0) {
    while (running.size < Math.max(1, input.concurrency)) {
      const index = pending.findIndex(ready);
      if (index < 0) break;
      const [probe] = pending.splice(index, 1) as [AnyProbe];
      const task = runOne(probe, input, outcomesView, (o) => publish(probe, o)).finally(() => {
        running.delete(probe.id);
        finished.add(probe.id);
      });
      running.set(probe.id, task);
    }
    if (running.size === 0) {
      // Nothing can start: the remaining probes wait on each other. The registry test forbids this.
      for (const probe of pending.splice(0)) {
        for (const id of probe.decides) publish(probe, unknown(id, 'probe-error', `probe ${probe.id} has a dependency cycle`, { tried: [] }));
      }
      break;
    }
    await Promise.race(running.values());
  }
  return results;
}

function stopReason(signal: AbortSignal): { reason: Reason; detail: string } {
  const r = signal.reason as unknown;
  if (r instanceof RunStop) return { reason: r.reason, detail: r.message };
  return { reason: 'aborted', detail: 'the run was interrupted' };
}

async function runOne(probe: AnyProbe, input: RunnerInput, results: ReadonlyMap<CapabilityId, Outcome>, publish: (o: Outcome) => void): Promise<void> {
  const decided = new Set<CapabilityId>();
  const emit = (o: Outcome) => {
    decided.add(o.id);
    publish(o);
  };
  const forRest = (make: (id: CapabilityId) => Outcome) => {
    for (const id of probe.decides) if (!decided.has(id)) emit(make(id));
  };

  if (input.signal.aborted) {
    const { reason, detail } = stopReason(input.signal);
    return forRest((id) => unknown(id, reason, `not started: ${detail}`, { tried: [] }));
  }
  if (probe.needs.includes('engine') && !input.engine) {
    return forRest((id) => unsupported(id, 'engine-unreachable', input.engineUnreachable.detail, { tried: input.engineUnreachable.tried }));
  }
  if (probe.needs.includes('image') && !input.image) {
    return forRest((id) => unknown(id, 'no-runnable-image', input.imageUnavailable.detail, { tried: input.imageUnavailable.tried }));
  }
  if (probe.needs.includes('docker-cli') && !input.cliAvailable) {
    return forRest((id) => unsupported(id, 'plugin-missing', 'the docker CLI is not installed (no `docker` on PATH)', { tried: ['docker version'] }));
  }

  const started = performance.now();
  input.onEvent?.({ type: 'probe-start', probe: probe.id });
  const timeoutMs = probe.timeoutMs ?? input.probeTimeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`probe ${probe.id} exceeded its ${Math.round(timeoutMs / 1000)} s timeout`)), timeoutMs);
  const onGlobalAbort = () => controller.abort(input.signal.reason);
  input.signal.addEventListener('abort', onGlobalAbort, { once: true });

  const ctx = createContext(input, controller.signal, results, emit);
  const work = Promise.resolve().then(() => probe.run(ctx));
  const stopped = new Promise<'stopped'>((resolve) => controller.signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
  try {
    const returned = await Promise.race([work, stopped]);
    if (returned === 'stopped') {
      // Give the probe a moment to notice and stop creating things, so cleanup sees all it made.
      await Promise.race([work.catch(() => undefined), new Promise((r) => setTimeout(r, input.graceMs ?? 3_000))]);
      const global = input.signal.aborted ? stopReason(input.signal) : undefined;
      const reason: Reason = global?.reason ?? 'timeout';
      const detail = global?.detail ?? errorText(controller.signal.reason);
      forRest((id) => unknown(id, reason, detail, { tried: [] }));
    } else {
      for (const outcome of returned ?? []) emit(outcome);
      forRest((id) => unknown(id, 'probe-error', `probe ${probe.id} returned no outcome for ${id}`, { tried: [] }));
    }
  } catch (error) {
    if (controller.signal.aborted) {
      const global = input.signal.aborted ? stopReason(input.signal) : undefined;
      forRest((id) => unknown(id, global?.reason ?? 'timeout', global?.detail ?? errorText(controller.signal.reason), { tried: [] }));
    } else {
      forRest((id) => unknown(id, 'probe-error', `probe ${probe.id} failed: ${errorText(error)}`, { tried: [], error: errorText(error) }));
    }
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener('abort', onGlobalAbort);
    input.onEvent?.({ type: 'probe-end', probe: probe.id, durationMs: Math.round(performance.now() - started) });
  }
}

function createContext(input: RunnerInput, signal: AbortSignal, results: ReadonlyMap<CapabilityId, Outcome>, emit: (o: Outcome) => void): ProbeContext {
  // An outcome without its own timing gets the time since the probe's previous outcome: its step's time.
  let lastMark = performance.now();
  const record = <O extends Outcome>(outcome: O): O => {
    const now = performance.now();
    const withTime = outcome.durationMs === undefined ? { ...outcome, durationMs: Math.round(now - lastMark) } : outcome;
    lastMark = now;
    emit(withTime);
    return outcome;
  };
  return {
    runId: input.runId,
    signal,
    engine: input.engine,
    docker: (input.engine?.docker ?? null) as Dockerode | null,
    image: input.image,
    resources: input.resources,
    cli: input.cli,
    options: input.options,
    results,
    record,
    async check(id, tried, operation, describe) {
      const list = Array.isArray(tried) ? tried : [tried];
      const t0 = performance.now();
      try {
        const value = await operation();
        const said = describe?.(value) ?? {};
        record(supported(id, said.detail ?? `${list[list.length - 1] ?? id} succeeded`, { tried: list, ...(said.facts ? { facts: said.facts } : {}) }, Math.round(performance.now() - t0)));
        return value;
      } catch (error) {
        if (signal.aborted) throw error;
        record(fromError(id, error, list, Math.round(performance.now() - t0)));
        return undefined;
      }
    },
  };
}
