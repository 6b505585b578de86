/**
 * The probe contract. A probe is a small module that decides some capabilities of the catalogue.
 * It declares what it decides and what it needs; it returns outcomes; it never prints and never throws
 * for an ordinary "no" (a thrown error becomes `unknown` with reason `probe-error`: a bug, not a verdict).
 */
import type Dockerode from 'dockerode';
import type { CapabilityId } from './catalogue.js';
import type { Evidence, Reason, Status } from './model.js';
import type { DockerCli } from './docker-cli.js';
import type { ResourceScope } from './ledger.js';
import type { EngineConnection } from './engine.js';
import type { ProbeImage } from './probe-image.js';
import { classifyError, errorText } from './errors.js';

export { UnexpectedResult } from './errors.js';

/** What a probe needs before it can run; the runner answers for it when the need is not met. */
export type ProbeNeed = 'engine' | 'image' | 'docker-cli';

export interface Outcome<Id extends CapabilityId = CapabilityId> {
  readonly id: Id;
  readonly status: Status;
  /** Required unless `status` is `supported`. */
  readonly reason?: Reason;
  /** One sentence a person reads in the table. */
  readonly detail: string;
  readonly evidence: Evidence;
  readonly durationMs?: number;
}

/** Options from the command line a probe may read. Later probes add optional fields here. */
export interface ProbeOptions {
  /** Where the engine's published ports are reached from cap-probe's side (127.0.0.1 for a local socket). */
  readonly publishedPortHost: string;
  readonly [key: string]: unknown;
}

/** Reads a string option (from the command line or a test), ignoring anything that is not a non-empty string. */
export function stringOption(options: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = options[key];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

export interface ProbeContext<Id extends CapabilityId = CapabilityId> {
  readonly runId: string;
  /** Aborted on per-probe timeout, global deadline or Ctrl-C. Pass it on to long operations. */
  readonly signal: AbortSignal;
  /** The engine; non-null whenever the probe declared `needs: ['engine']`. */
  readonly engine: EngineConnection | null;
  readonly docker: Dockerode | null;
  /** The runnable image; non-null whenever the probe declared `needs: ['image']`. */
  readonly image: ProbeImage | null;
  /** Labels, names and the cleanup ledger for everything this probe creates. */
  readonly resources: ResourceScope;
  /** The docker CLI bound to the same endpoint, with a throwaway DOCKER_CONFIG. */
  readonly cli: DockerCli;
  readonly options: ProbeOptions;
  /** Outcomes of capabilities decided by probes this one depends on. */
  readonly results: ReadonlyMap<CapabilityId, Outcome>;
  /** Records an outcome as soon as it is known: it survives a later timeout of the probe. */
  record(outcome: Outcome<Id>): Outcome<Id>;
  /**
   * Runs one operation that decides a capability: `supported` when it resolves, otherwise the error's
   * classified verdict (throw `UnexpectedResult` when a call returned without its effect). Times it and records the outcome. Returns the value, or undefined when it failed.
   */
  check<T>(id: Id, tried: string | string[], operation: () => Promise<T>, describe?: (value: T) => { detail?: string; facts?: Record<string, unknown> }): Promise<T | undefined>;
}

export interface ProbeDefinition<Id extends CapabilityId = CapabilityId> {
  /** Stable kebab-case id, equal to the module's file name. */
  readonly id: string;
  readonly title: string;
  /** The capabilities this probe decides; no other probe decides them. */
  readonly decides: readonly Id[];
  readonly needs: readonly ProbeNeed[];
  /** Probe ids whose outcomes this one reads or whose work must come first. */
  readonly dependsOn?: readonly string[];
  /** Overrides the runner's per-probe timeout (ms) for probes that are slow by nature. */
  readonly timeoutMs?: number;
  /** Optional, for `cap-probe explain`: the operations the probe performs, in order, as commands or API calls. */
  readonly operations?: readonly string[];
  run(ctx: ProbeContext<Id>): Promise<ReadonlyArray<Outcome<Id>> | void>;
}

export type AnyProbe = ProbeDefinition<CapabilityId>;

/** Typed identity: keeps `decides` and the outcomes' ids in one literal union. */
export function defineProbe<const Id extends CapabilityId>(probe: ProbeDefinition<Id>): ProbeDefinition<Id> {
  return probe;
}

// ── Outcome helpers, for probes to state verdicts tersely ─────────────────────────────────────

export function supported<Id extends CapabilityId>(id: Id, detail: string, evidence: Evidence, durationMs?: number): Outcome<Id> {
  return { id, status: 'supported', detail, evidence, ...(durationMs === undefined ? {} : { durationMs }) };
}

export function unsupported<Id extends CapabilityId>(id: Id, reason: Reason, detail: string, evidence: Evidence, durationMs?: number): Outcome<Id> {
  return { id, status: 'unsupported', reason, detail, evidence, ...(durationMs === undefined ? {} : { durationMs }) };
}

export function unknown<Id extends CapabilityId>(id: Id, reason: Reason, detail: string, evidence: Evidence, durationMs?: number): Outcome<Id> {
  return { id, status: 'unknown', reason, detail, evidence, ...(durationMs === undefined ? {} : { durationMs }) };
}

/** An outcome from a failed operation, classified by the shared error table. */
export function fromError<Id extends CapabilityId>(id: Id, error: unknown, tried: string[], durationMs?: number): Outcome<Id> {
  const c = classifyError(error);
  return { id, status: c.status, reason: c.reason, detail: c.message.split('\n')[0] ?? c.message, evidence: { tried, error: errorText(error) }, ...(durationMs === undefined ? {} : { durationMs }) };
}
