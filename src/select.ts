/** --only / --skip: select capabilities by id glob (`container.run.*`, `registry.*.push`) or by section. */
import { CATALOGUE, type CapabilityId } from './catalogue.js';
import { SectionSchema } from './model.js';
import { UsageError } from './errors.js';

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** Capabilities a pattern names; a pattern ending in `.*` also names the bare prefix (`container.*` ⊇ `container`). */
export function matchPattern(pattern: string): CapabilityId[] {
  if (SectionSchema.safeParse(pattern).success) return CATALOGUE.filter((c) => c.section === pattern).map((c) => c.id);
  const re = globToRegExp(pattern);
  const prefix = `${pattern}.`;
  return CATALOGUE.filter((c) => re.test(c.id) || (!pattern.includes('*') && c.id.startsWith(prefix))).map((c) => c.id);
}

export function parsePatterns(list: readonly string[] | undefined): string[] {
  return (list ?? []).flatMap((item) => item.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** The selected ids. Throws UsageError for a pattern that names no capability: a typo must not pass silently. */
export function selectCapabilities(only: readonly string[], skip: readonly string[]): Set<CapabilityId> {
  const resolve = (pattern: string, flag: string) => {
    const ids = matchPattern(pattern);
    if (ids.length === 0) throw new UsageError(`${flag} ${pattern}: no capability or section matches (see \`cap-probe list\`)`);
    return ids;
  };
  const selected = new Set<CapabilityId>(only.length > 0 ? only.flatMap((p) => resolve(p, '--only')) : CATALOGUE.map((c) => c.id));
  for (const pattern of skip) for (const id of resolve(pattern, '--skip')) selected.delete(id);
  return selected;
}
