/** Keeps the catalogue, the probe modules, their tests and the README in step. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { CATALOGUE } from '../../src/catalogue.js';

const probeFiles = readdirSync(new URL('../../probes/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('probe registry', () => {
  it('registers every module in probes/, each under an id equal to its file name', async () => {
    expect(PROBES.map((p) => `${p.id}.ts`).sort()).toEqual([...probeFiles].sort());
    for (const file of probeFiles) {
      const module = (await import(`../../probes/${file}`)) as { default?: { id?: string } };
      expect(module.default?.id, file).toBe(file.replace(/\.ts$/, ''));
    }
  });

  it('uses kebab-case probe ids', () => {
    for (const probe of PROBES) expect(probe.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('decides only catalogue capabilities, each by exactly one probe', () => {
    const ids = new Set<string>(CATALOGUE.map((c) => c.id));
    const owner = new Map<string, string>();
    for (const probe of PROBES) {
      expect(probe.decides.length, probe.id).toBeGreaterThan(0);
      for (const id of probe.decides) {
        expect(ids.has(id), `${probe.id} decides unknown ${id}`).toBe(true);
        expect(owner.get(id), `${id} decided by ${owner.get(id)} and ${probe.id}`).toBeUndefined();
        owner.set(id, probe.id);
      }
    }
  });

  it('depends only on registered probes, without cycles', () => {
    const byId = new Map(PROBES.map((p) => [p.id, p]));
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (id: string, path: string[]) => {
      if (done.has(id)) return;
      expect(visiting.has(id), `cycle: ${[...path, id].join(' -> ')}`).toBe(false);
      visiting.add(id);
      for (const dep of byId.get(id)?.dependsOn ?? []) {
        expect(byId.has(dep), `${id} depends on unknown probe ${dep}`).toBe(true);
        visit(dep, [...path, id]);
      }
      visiting.delete(id);
      done.add(id);
    };
    for (const probe of PROBES) visit(probe.id, []);
  });

  it('has a test file per probe, mirroring probes/<id>.ts', () => {
    for (const probe of PROBES) expect(existsSync(new URL(`../probes/${probe.id}.test.ts`, import.meta.url)), `test/probes/${probe.id}.test.ts`).toBe(true);
  });

  it('documents every probe in the README', () => {
    for (const probe of PROBES) expect(readme, `README lists probe ${probe.id}`).toContain(`\`${probe.id}\``);
  });
});

describe('catalogue', () => {
  it('has unique, well-formed ids', () => {
    const ids = CATALOGUE.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$/);
  });
});
