/**
 * Gathers the text the sandbox parsers read: /proc, /sys and systemd-detect-virt. Every read is tolerant:
 * an absent or unreadable source is `undefined`, and the error is kept so the evidence can say why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import type { LsmSources, SandboxSources } from './parse.js';

export interface ReadResult {
  readonly text: string | undefined;
  readonly error?: string;
}

export function readText(path: string): ReadResult {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { text: undefined, error: `${path}: ${e.code ?? e.message}` };
  }
}

/** systemd-detect-virt prints `none` and exits 1 when it finds nothing: that is an answer, not a failure. */
async function detectVirt(flag: '--container' | '--vm'): Promise<string | undefined> {
  const result = await execa('systemd-detect-virt', [flag], { reject: false, timeout: 5_000 });
  if ((result as { code?: string }).code === 'ENOENT' || (result.failed && !String(result.stdout).trim())) return undefined;
  return String(result.stdout).trim() || 'none';
}

export interface GatheredSandbox {
  readonly sources: SandboxSources;
  readonly errors: string[];
}

export async function gatherSandboxSources(): Promise<GatheredSandbox> {
  const errors: string[] = [];
  const read = (path: string): string | undefined => {
    const r = readText(path);
    if (r.error) errors.push(r.error);
    return r.text;
  };
  const [container, vm] = await Promise.all([detectVirt('--container'), detectVirt('--vm')]);
  if (container === undefined) errors.push('systemd-detect-virt: not installed');
  const sources: SandboxSources = {
    dockerenv: existsSync('/.dockerenv'),
    containerenv: existsSync('/run/.containerenv'),
    ...optional('pid1Cgroup', read('/proc/1/cgroup')),
    ...optional('selfMountinfo', read('/proc/self/mountinfo')),
    ...optional('cpuinfo', read('/proc/cpuinfo')),
    ...optional('dmiSysVendor', read('/sys/class/dmi/id/sys_vendor')),
    ...optional('dmiProductName', read('/sys/class/dmi/id/product_name')),
    ...optional('detectVirtContainer', container),
    ...optional('detectVirtVm', vm),
  };
  return { sources, errors };
}

export interface GatheredLsm {
  readonly sources: LsmSources;
  readonly errors: string[];
  /** False when /sys is not mounted: absent LSM files then say nothing. */
  readonly sysfsMounted: boolean;
}

export function gatherLsmSources(): GatheredLsm {
  const errors: string[] = [];
  const read = (path: string): string | undefined => {
    const r = readText(path);
    if (r.error) errors.push(r.error);
    return r.text;
  };
  // The AppArmor-specific file exists on 5.8+ kernels even when another LSM owns /proc/self/attr/current.
  const apparmorAttr = existsSync('/proc/self/attr/apparmor/current') ? read('/proc/self/attr/apparmor/current') : undefined;
  const selfAttr = apparmorAttr ?? read('/proc/self/attr/current');
  const sources: LsmSources = {
    ...optional('lsmList', read('/sys/kernel/security/lsm')),
    ...optional('selfAttr', selfAttr),
    ...optional('apparmorEnabled', read('/sys/module/apparmor/parameters/enabled')),
    ...optional('selinuxEnforce', read('/sys/fs/selinux/enforce')),
  };
  return { sources, errors, sysfsMounted: existsSync('/sys/module') };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
