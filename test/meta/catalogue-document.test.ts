/** Every row of the source document's tables is a capability of the catalogue. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/catalogue.js';

const document = readFileSync(new URL('../../docs/source-document.md', import.meta.url), 'utf8');

function between(start: string, end: string): string {
  const from = document.indexOf(start);
  const to = document.indexOf(end, from);
  expect(from, start).toBeGreaterThanOrEqual(0);
  return document.slice(from, to);
}

/** The `docker ...` commands in the code blocks of a part of the document. */
function commands(part: string): string[] {
  return [...part.matchAll(/```bash\n([\s\S]*?)```/g)]
    .flatMap((m) => (m[1] ?? '').split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => /^docker(-compose)? /.test(line));
}

const catalogueCommands = CATALOGUE.flatMap((c) => c.command.split(' / ').map((s) => s.trim()));

describe('the catalogue covers the source document', () => {
  it('has a row for every command of the Supported, Unknown and Unsupported tables', () => {
    const rows = commands(between(' Supported Docker Commands', ' Testcontainers Integration'));
    expect(rows.length).toBeGreaterThan(50);
    const missing = rows.filter((row) => !catalogueCommands.includes(row));
    expect(missing).toEqual([]);
  });

  it('has the five matrix columns for every registry of the Registry Access Matrix', () => {
    const matrix = between(' Registry Access Matrix', '**Legend**');
    const registries = [...matrix.matchAll(/^\| \*\*(.+?)\*\* \|/gm)].map((m) => m[1]);
    expect(registries).toEqual(['Docker Hub', 'ghcr.io', 'gcr.io', 'mcr.microsoft.com', 'public.ecr.aws', 'Private ECR']);
    const keys = ['dockerhub', 'ghcr', 'gcr', 'mcr', 'ecr-public', 'ecr-private'];
    for (const key of keys) {
      for (const column of ['pull-public', 'pull-private', 'push', 'auth-method', 'rate-limits']) {
        expect(CATALOGUE.some((c) => c.id === `registry.${key}.${column}`), `registry.${key}.${column}`).toBe(true);
      }
    }
  });

  it("keeps the matrix's claims as the document states them", () => {
    const claim = (id: string) => CATALOGUE.find((c) => c.id === id)?.documented;
    for (const key of ['dockerhub', 'ghcr', 'gcr', 'mcr', 'ecr-public']) {
      expect(claim(`registry.${key}.pull-public`)).toBe('supported');
      expect(claim(`registry.${key}.push`)).toBe('unsupported');
    }
    expect(claim('registry.dockerhub.pull-private')).toBe('unknown');
    expect(claim('registry.ecr-private.pull-public')).toBe('unsupported');
  });

  it('has rows for the Testcontainers, network & security and pre-installed sections', () => {
    for (const section of ['testcontainers', 'network-security', 'preinstalled-services'] as const) {
      expect(CATALOGUE.filter((c) => c.section === section).length, section).toBeGreaterThan(1);
    }
  });
});
