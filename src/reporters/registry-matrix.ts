/** The Registry Access Matrix's layout, shared by every renderer: one row per registry, the document's columns. */
import { CATALOGUE } from '../catalogue.js';
import type { CapabilityResult } from '../report.js';

export const REGISTRY_COLUMNS = [
  ['pull-public', 'Pull Public'],
  ['pull-private', 'Pull Private'],
  ['push', 'Push'],
  ['auth-method', 'Auth Method'],
  ['rate-limits', 'Rate Limits'],
] as const;

export type RegistryColumn = (typeof REGISTRY_COLUMNS)[number][0];

/** Columns that describe (how to authenticate, what limits apply) rather than answer yes or no. */
export const INFORMATIONAL_COLUMNS: ReadonlySet<RegistryColumn> = new Set(['auth-method', 'rate-limits']);

export interface RegistryRow {
  readonly key: string;
  /** The registry's name as the catalogue titles it ("Docker Hub", "Private ECR"). */
  readonly name: string;
  readonly cells: ReadonlyMap<string, CapabilityResult>;
}

const NAMES = new Map(CATALOGUE.filter((c) => c.section === 'registry-access').map((c) => [c.id.split('.')[1] ?? c.id, c.title.split(':')[0] ?? c.id]));

/** Groups `registry.<key>.<column>` rows by registry, in report order. */
export function registryRows(rows: readonly CapabilityResult[]): RegistryRow[] {
  const byKey = new Map<string, Map<string, CapabilityResult>>();
  for (const r of rows) {
    const [, key, column] = r.id.split('.');
    if (!key || !column) continue;
    if (!byKey.has(key)) byKey.set(key, new Map());
    byKey.get(key)?.set(column, r);
  }
  return [...byKey].map(([key, cells]) => ({ key, name: NAMES.get(key) ?? key, cells }));
}
