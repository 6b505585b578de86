/**
 * Pure parsing of what Linux tells a process about its own sandbox: /proc/self/status capability masks and
 * seccomp mode, uid_map, /proc/1/cgroup, /proc/self/mountinfo, /proc/cpuinfo flags. No I/O here, so every
 * rule is unit-tested on fixture text; src/sandbox/read.ts gathers the text.
 */

/** Capability names by bit number, as capsh and capabilities(7) spell them (Linux 5.9+: up to 40). */
export const CAPABILITY_NAMES: readonly string[] = [
  'cap_chown', 'cap_dac_override', 'cap_dac_read_search', 'cap_fowner', 'cap_fsetid', 'cap_kill', 'cap_setgid', 'cap_setuid',
  'cap_setpcap', 'cap_linux_immutable', 'cap_net_bind_service', 'cap_net_broadcast', 'cap_net_admin', 'cap_net_raw', 'cap_ipc_lock', 'cap_ipc_owner',
  'cap_sys_module', 'cap_sys_rawio', 'cap_sys_chroot', 'cap_sys_ptrace', 'cap_sys_pacct', 'cap_sys_admin', 'cap_sys_boot', 'cap_sys_nice',
  'cap_sys_resource', 'cap_sys_time', 'cap_sys_tty_config', 'cap_mknod', 'cap_lease', 'cap_audit_write', 'cap_audit_control', 'cap_setfcap',
  'cap_mac_override', 'cap_mac_admin', 'cap_syslog', 'cap_wake_alarm', 'cap_block_suspend', 'cap_audit_read', 'cap_perfmon', 'cap_bpf',
  'cap_checkpoint_restore',
];

/** Names of the bits set in a hex capability mask; bits without a known name read as `cap_<n>`. */
export function decodeCapabilities(hexMask: string): string[] {
  const mask = BigInt(`0x${hexMask.trim() || '0'}`);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) names.push(CAPABILITY_NAMES[bit] ?? `cap_${bit}`);
  }
  return names;
}

/** `Key:\tvalue` lines of /proc/<pid>/status. */
export function parseStatusFields(statusText: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of statusText.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return fields;
}

export interface CapabilitySets {
  readonly effective: string[];
  readonly permitted: string[];
  readonly inheritable: string[];
  readonly bounding: string[];
  readonly ambient: string[];
  readonly masks: Readonly<Record<string, string>>;
}

export function parseCapabilitySets(statusText: string): CapabilitySets | undefined {
  const fields = parseStatusFields(statusText);
  const read = (key: string) => fields.get(key);
  const eff = read('CapEff');
  const bnd = read('CapBnd');
  if (eff === undefined || bnd === undefined) return undefined;
  const masks: Record<string, string> = {};
  for (const key of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
    const value = read(key);
    if (value !== undefined) masks[key] = value;
  }
  return {
    effective: decodeCapabilities(eff),
    permitted: decodeCapabilities(read('CapPrm') ?? '0'),
    inheritable: decodeCapabilities(read('CapInh') ?? '0'),
    bounding: decodeCapabilities(bnd),
    ambient: decodeCapabilities(read('CapAmb') ?? '0'),
    masks,
  };
}

/** The capabilities the kernel knows (0..cap_last_cap) that a set lacks. */
export function missingCapabilities(held: readonly string[], capLastCap: number): string[] {
  const all = Array.from({ length: capLastCap + 1 }, (_, bit) => CAPABILITY_NAMES[bit] ?? `cap_${bit}`);
  return all.filter((name) => !held.includes(name));
}

export type SeccompMode = 'disabled' | 'strict' | 'filter';

export interface SeccompState {
  readonly mode: SeccompMode;
  readonly filters: number | undefined;
  readonly noNewPrivs: boolean | undefined;
}

/** The Seccomp field: 0 disabled, 1 strict, 2 filter. Absent when the kernel was built without seccomp. */
export function parseSeccomp(statusText: string): SeccompState | undefined {
  const fields = parseStatusFields(statusText);
  const raw = fields.get('Seccomp');
  if (raw === undefined) return undefined;
  const modes: Record<string, SeccompMode> = { '0': 'disabled', '1': 'strict', '2': 'filter' };
  const mode = modes[raw];
  if (!mode) return undefined;
  const filters = fields.get('Seccomp_filters');
  const nnp = fields.get('NoNewPrivs');
  return { mode, filters: filters === undefined ? undefined : Number(filters), noNewPrivs: nnp === undefined ? undefined : nnp === '1' };
}

export interface IdMapping {
  readonly inside: number;
  readonly outside: number;
  readonly count: number;
}

export function parseIdMap(text: string): IdMapping[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((parts) => parts.length === 3 && parts.every((n) => Number.isFinite(n)))
    .map(([inside, outside, count]) => ({ inside: inside!, outside: outside!, count: count! }));
}

/** The initial user namespace maps the whole 32-bit range onto itself; anything else is a nested namespace. */
export function isInitialUserNamespace(mappings: readonly IdMapping[]): boolean {
  return mappings.length === 1 && mappings[0]!.inside === 0 && mappings[0]!.outside === 0 && mappings[0]!.count === 4294967295;
}

/** Path fragments container runtimes put in a process's cgroup path. */
const CONTAINER_CGROUP_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\/docker[-/]/, 'docker'],
  [/\/kubepods/, 'kubernetes'],
  [/libpod|\/podman/, 'podman'],
  [/\/lxc[./]|lxc\.payload/, 'lxc'],
  [/containerd|cri-containerd/, 'containerd'],
  [/\/actions_job\//, 'github-actions'],
];

export interface CgroupEntry {
  readonly hierarchy: string;
  readonly controllers: string;
  readonly path: string;
}

export function parseCgroupFile(text: string): CgroupEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [hierarchy = '', controllers = '', ...rest] = line.split(':');
      return { hierarchy, controllers, path: rest.join(':') };
    });
}

/** The container runtime a cgroup path names, if any. */
export function containerFromCgroups(entries: readonly CgroupEntry[]): { runtime: string; path: string } | undefined {
  for (const entry of entries) {
    for (const [pattern, runtime] of CONTAINER_CGROUP_PATTERNS) if (pattern.test(entry.path)) return { runtime, path: entry.path };
  }
  return undefined;
}

/** The filesystem type mounted at / from /proc/self/mountinfo (`... - <fstype> <source> <options>`). */
export function rootFilesystem(mountinfoText: string): { fsType: string; source: string } | undefined {
  let found: { fsType: string; source: string } | undefined;
  for (const line of mountinfoText.split('\n')) {
    const fields = line.split(' ');
    if (fields[4] !== '/') continue;
    const dash = fields.indexOf('-');
    if (dash < 0) continue;
    // The last mount on / wins: it is the one the process sees.
    found = { fsType: fields[dash + 1] ?? '', source: fields[dash + 2] ?? '' };
  }
  return found;
}

export function cpuHasHypervisorFlag(cpuinfoText: string): boolean {
  return /^flags\s*:.*\bhypervisor\b/m.test(cpuinfoText);
}

/** DMI vendors and products that name a hypervisor. */
const VM_VENDORS: ReadonlyArray<readonly [RegExp, string]> = [
  [/qemu|kvm/i, 'kvm'],
  [/vmware/i, 'vmware'],
  [/virtualbox|innotek/i, 'virtualbox'],
  [/xen/i, 'xen'],
  [/microsoft corporation/i, 'hyper-v'],
  [/amazon ec2/i, 'amazon'],
  [/google/i, 'google'],
  [/firecracker/i, 'firecracker'],
  [/parallels/i, 'parallels'],
];

export function vmFromDmi(vendorOrProduct: string): string | undefined {
  for (const [pattern, name] of VM_VENDORS) if (pattern.test(vendorOrProduct)) return name;
  return undefined;
}

export type Confidence = 'high' | 'medium' | 'low';

export interface Signal {
  readonly name: string;
  /** What the signal says: a container runtime or hypervisor, or that it says nothing. */
  readonly says: 'container' | 'vm' | 'none';
  readonly confidence: Confidence;
  readonly observed: string;
}

/** The raw text of each source; undefined where the source was absent or unreadable. */
export interface SandboxSources {
  readonly dockerenv: boolean;
  readonly containerenv: boolean;
  readonly pid1Cgroup?: string;
  readonly selfMountinfo?: string;
  readonly cpuinfo?: string;
  readonly dmiSysVendor?: string;
  readonly dmiProductName?: string;
  /** `systemd-detect-virt --container` / `--vm` output; undefined when the tool is absent. */
  readonly detectVirtContainer?: string;
  readonly detectVirtVm?: string;
}

export interface Containment {
  readonly inContainer: boolean;
  readonly containerConfidence: Confidence | undefined;
  readonly containerRuntime: string | undefined;
  readonly inVm: boolean;
  readonly vmConfidence: Confidence | undefined;
  readonly hypervisor: string | undefined;
  readonly signals: Signal[];
  /** How many sources could be read at all: none means nothing can be said. */
  readonly sourcesRead: number;
}

const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };
const strongest = (signals: readonly Signal[]): Confidence | undefined =>
  signals.reduce<Confidence | undefined>((best, s) => (!best || RANK[s.confidence] > RANK[best] ? s.confidence : best), undefined);

/**
 * Weighs the signals. Marker files and systemd-detect-virt are deliberate statements by the runtime (high);
 * a runtime's name in the cgroup path is high too; an overlay root is what most container runtimes mount
 * but also live systems do (medium); a hypervisor CPU flag is set by every hypervisor (high for VM).
 */
export function assessContainment(sources: SandboxSources): Containment {
  const signals: Signal[] = [];
  let sourcesRead = 2; // the two marker files are always checked: their absence is itself an answer
  signals.push({ name: '/.dockerenv', says: sources.dockerenv ? 'container' : 'none', confidence: 'high', observed: sources.dockerenv ? 'present' : 'absent' });
  signals.push({ name: '/run/.containerenv', says: sources.containerenv ? 'container' : 'none', confidence: 'high', observed: sources.containerenv ? 'present' : 'absent' });

  if (sources.pid1Cgroup !== undefined) {
    sourcesRead++;
    const hit = containerFromCgroups(parseCgroupFile(sources.pid1Cgroup));
    signals.push({ name: '/proc/1/cgroup', says: hit ? 'container' : 'none', confidence: 'high', observed: hit ? `${hit.runtime} (${hit.path})` : 'no container runtime in the cgroup paths' });
  }
  if (sources.selfMountinfo !== undefined) {
    sourcesRead++;
    const root = rootFilesystem(sources.selfMountinfo);
    const overlay = root !== undefined && /overlay|aufs|fuse-overlayfs|shiftfs/.test(root.fsType);
    signals.push({ name: '/proc/self/mountinfo', says: overlay ? 'container' : 'none', confidence: 'medium', observed: root ? `root is ${root.fsType} from ${root.source}` : 'no mount on /' });
  }
  if (sources.detectVirtContainer !== undefined) {
    sourcesRead++;
    const value = sources.detectVirtContainer.trim();
    signals.push({ name: 'systemd-detect-virt --container', says: value && value !== 'none' ? 'container' : 'none', confidence: 'high', observed: value || 'none' });
  }
  if (sources.cpuinfo !== undefined) {
    sourcesRead++;
    const flag = cpuHasHypervisorFlag(sources.cpuinfo);
    signals.push({ name: '/proc/cpuinfo hypervisor flag', says: flag ? 'vm' : 'none', confidence: 'high', observed: flag ? 'set' : 'not set' });
  }
  const dmi = [sources.dmiSysVendor, sources.dmiProductName].filter((v): v is string => v !== undefined).map((v) => v.trim());
  if (dmi.length > 0) {
    sourcesRead++;
    const vm = dmi.map(vmFromDmi).find(Boolean);
    signals.push({ name: '/sys/class/dmi/id', says: vm ? 'vm' : 'none', confidence: 'high', observed: dmi.join(' / ') });
  }
  if (sources.detectVirtVm !== undefined) {
    sourcesRead++;
    const value = sources.detectVirtVm.trim();
    signals.push({ name: 'systemd-detect-virt --vm', says: value && value !== 'none' ? 'vm' : 'none', confidence: 'high', observed: value || 'none' });
  }

  const forContainer = signals.filter((s) => s.says === 'container');
  const forVm = signals.filter((s) => s.says === 'vm');
  const runtimeFrom = (): string | undefined => {
    const virt = sources.detectVirtContainer?.trim();
    if (virt && virt !== 'none') return virt;
    if (sources.containerenv) return 'podman';
    if (sources.dockerenv) return 'docker';
    const cg = sources.pid1Cgroup ? containerFromCgroups(parseCgroupFile(sources.pid1Cgroup)) : undefined;
    return cg?.runtime ?? (forContainer.length > 0 ? 'unknown runtime' : undefined);
  };
  const hypervisorFrom = (): string | undefined => {
    const virt = sources.detectVirtVm?.trim();
    if (virt && virt !== 'none') return virt;
    const vendor = dmi.map(vmFromDmi).find(Boolean);
    return vendor ?? (forVm.length > 0 ? 'unknown hypervisor' : undefined);
  };
  return {
    inContainer: forContainer.length > 0,
    containerConfidence: strongest(forContainer),
    containerRuntime: runtimeFrom(),
    inVm: forVm.length > 0,
    vmConfidence: strongest(forVm),
    hypervisor: hypervisorFrom(),
    signals,
    sourcesRead,
  };
}

export type CgroupVersion = 'v2' | 'v1' | 'hybrid';

/**
 * The cgroup layout from the filesystem types mounted under /sys/fs/cgroup (from mountinfo):
 * cgroup2 at /sys/fs/cgroup is v2; cgroup (v1) controllers with a cgroup2 at .../unified is hybrid.
 */
export function cgroupVersion(mountinfoText: string): { version: CgroupVersion; mounts: string[] } | undefined {
  const mounts: Array<{ point: string; fsType: string }> = [];
  for (const line of mountinfoText.split('\n')) {
    const fields = line.split(' ');
    const point = fields[4];
    const dash = fields.indexOf('-');
    if (!point || dash < 0 || !point.startsWith('/sys/fs/cgroup')) continue;
    mounts.push({ point, fsType: fields[dash + 1] ?? '' });
  }
  const described = mounts.map((m) => `${m.point} (${m.fsType})`);
  if (mounts.some((m) => m.point === '/sys/fs/cgroup' && m.fsType === 'cgroup2')) return { version: 'v2', mounts: described };
  const v1 = mounts.some((m) => m.fsType === 'cgroup');
  const v2Somewhere = mounts.some((m) => m.fsType === 'cgroup2');
  if (v1) return { version: v2Somewhere ? 'hybrid' : 'v1', mounts: described };
  if (v2Somewhere) return { version: 'v2', mounts: described };
  return undefined;
}

/** The raw text of the LSM sources; undefined where absent or unreadable. */
export interface LsmSources {
  /** /sys/kernel/security/lsm: the LSMs the kernel runs (needs securityfs). */
  readonly lsmList?: string;
  /** /proc/self/attr/apparmor/current (5.8+) or, failing that, /proc/self/attr/current. */
  readonly selfAttr?: string;
  /** /sys/module/apparmor/parameters/enabled: Y or N. */
  readonly apparmorEnabled?: string;
  /** /sys/fs/selinux/enforce: 1 enforcing, 0 permissive. */
  readonly selinuxEnforce?: string;
}

export interface LsmState {
  /** The LSM confining the process, with its label, or undefined when none does. */
  readonly confinedBy: 'apparmor' | 'selinux' | undefined;
  readonly label: string | undefined;
  readonly apparmor: 'enabled' | 'disabled' | 'absent';
  readonly selinux: 'enforcing' | 'permissive' | 'absent';
  readonly kernelLsms: string[] | undefined;
  /** True when no source at all could be read, so nothing can be said. */
  readonly blind: boolean;
}

export function assessLsm(sources: LsmSources): LsmState {
  const apparmor = sources.apparmorEnabled === undefined ? 'absent' : /^y/i.test(sources.apparmorEnabled.trim()) ? 'enabled' : 'disabled';
  const selinux = sources.selinuxEnforce === undefined ? 'absent' : sources.selinuxEnforce.trim() === '1' ? 'enforcing' : 'permissive';
  const label = sources.selfAttr?.replace(/\0/g, '').trim() || undefined;
  // An SELinux context has user:role:type[:level]; an AppArmor label is a profile name with an optional (mode).
  const looksSelinux = label !== undefined && /^[^:\s]+:[^:\s]+:[^:\s]+/.test(label);
  let confinedBy: LsmState['confinedBy'];
  if (label && label !== 'unconfined' && !label.startsWith('unconfined ')) {
    if (looksSelinux && selinux !== 'absent') confinedBy = 'selinux';
    else if (!looksSelinux && apparmor !== 'disabled') confinedBy = 'apparmor';
  }
  const kernelLsms = sources.lsmList === undefined ? undefined : sources.lsmList.trim().split(',').filter(Boolean);
  const blind = sources.lsmList === undefined && sources.selfAttr === undefined && sources.apparmorEnabled === undefined && sources.selinuxEnforce === undefined;
  return { confinedBy, label, apparmor, selinux, kernelLsms, blind };
}
