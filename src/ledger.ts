/**
 * The cleanup ledger: every resource a probe creates is written here the moment it exists, and removed
 * when the run ends however it ends (success, failure, timeout, Ctrl-C). A final sweep by the run's label
 * catches anything a probe created but could not register (e.g. a compose project's own containers).
 * Nothing without this run's label or a ledger entry is ever touched.
 */
import type Dockerode from 'dockerode';

export const RUN_LABEL = 'io.cap-probe.run';
export const TOOL_LABEL = 'io.cap-probe';
export const NAME_PREFIX = 'cap-probe';

export type ResourceKind = 'container' | 'network' | 'volume' | 'image';

export interface LedgerEntry {
  readonly kind: ResourceKind;
  /** Id or name the engine accepts for removal. */
  readonly ref: string;
}

export interface ResourceScope {
  /** Labels every created resource carries. */
  readonly labels: Readonly<Record<string, string>>;
  /** `cap-probe-<run>-<suffix>`: recognisable, unique to the run. */
  name(suffix: string): string;
  /** Registers a resource for removal at the end of the run. Returns the ref for chaining. */
  track(kind: ResourceKind, ref: string): string;
}

export interface CleanupReport {
  readonly removed: number;
  readonly failures: string[];
}

export class CleanupLedger implements ResourceScope {
  readonly labels: Readonly<Record<string, string>>;
  private readonly entries: LedgerEntry[] = [];

  constructor(readonly runId: string) {
    this.labels = { [TOOL_LABEL]: 'true', [RUN_LABEL]: runId };
  }

  name(suffix: string): string {
    return `${NAME_PREFIX}-${this.runId}-${suffix}`;
  }

  track(kind: ResourceKind, ref: string): string {
    this.entries.push({ kind, ref });
    return ref;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Removes everything registered, then sweeps by label. Never throws; failures are reported. */
  async cleanup(docker: Dockerode | null): Promise<CleanupReport> {
    if (!docker) return { removed: 0, failures: [] };
    const failures: string[] = [];
    let removed = 0;
    const remove = async (entry: LedgerEntry): Promise<void> => {
      try {
        await removeOne(docker, entry);
        removed += 1;
      } catch (error) {
        if (!isAlreadyGone(error)) failures.push(`${entry.kind} ${entry.ref}: ${(error as Error).message}`);
      }
    };
    // Containers first: networks, volumes and images in use by them cannot go before.
    for (const kind of ['container', 'network', 'volume', 'image'] as const) {
      const ofKind = this.entries.filter((e) => e.kind === kind).reverse();
      // Images may be chained by tags; remove them one at a time, the rest in parallel.
      if (kind === 'image') for (const entry of ofKind) await remove(entry);
      else await Promise.all(ofKind.map(remove));
      for (const ref of await labelled(docker, kind, this.runId)) await remove({ kind, ref });
    }
    this.entries.length = 0;
    return { removed, failures };
  }
}

async function removeOne(docker: Dockerode, { kind, ref }: LedgerEntry): Promise<void> {
  switch (kind) {
    case 'container':
      await docker.getContainer(ref).remove({ force: true, v: true });
      return;
    case 'network':
      await docker.getNetwork(ref).remove();
      return;
    case 'volume':
      await docker.getVolume(ref).remove();
      return;
    case 'image':
      await docker.getImage(ref).remove({ force: true });
      return;
  }
}

function isAlreadyGone(error: unknown): boolean {
  const status = (error as { statusCode?: number }).statusCode;
  // 409 "removal already in progress": the engine (AutoRemove, compose down) is removing it already.
  return status === 404 || /no such|not found|already in progress/i.test(String((error as Error).message));
}

/** What still carries this run's label: the sweep after the ledger. */
async function labelled(docker: Dockerode, kind: ResourceKind, runId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
  try {
    switch (kind) {
      case 'container':
        return (await docker.listContainers({ all: true, filters })).map((c) => c.Id);
      case 'network':
        return (await docker.listNetworks({ filters })).map((n) => n.Id);
      case 'volume':
        return ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name);
      case 'image':
        return (await docker.listImages({ filters })).map((i) => i.Id);
    }
  } catch {
    return [];
  }
}
