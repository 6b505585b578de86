/**
 * The vocabulary every part of cap-probe shares: verdicts, the reasons behind them, the document's sections.
 * Kept as zod enums so the JSON schema, the types and the runtime checks cannot drift apart.
 */
import { z } from 'zod';

export const StatusSchema = z.enum(['supported', 'unsupported', 'unknown']);
export type Status = z.infer<typeof StatusSchema>;

/** What the source document claims for a row; `n/a` where it says "N/A" or makes no yes/no claim. */
export const DocumentedClaimSchema = z.enum(['supported', 'unsupported', 'unknown', 'n/a']);
export type DocumentedClaim = z.infer<typeof DocumentedClaimSchema>;

/**
 * Why a capability is not `supported`, or why it could not be decided. A stable, documented code:
 * CI checks match on it, so codes are only ever added, never renamed.
 */
export const ReasonSchema = z.enum([
  'not-probed', // no probe decides this capability yet, or it was not selected
  'engine-unreachable', // no Docker-compatible engine answered on any endpoint tried
  'no-runnable-image', // run-type probes need an image with /bin/sh and none could be found, pulled or imported
  'refused-by-engine', // the engine answered and said no (policy, missing kernel capability, runtime error)
  'permission-denied', // the OS or engine denied access (socket permissions, EPERM, EACCES)
  'not-reachable', // the operation seemed to work but its effect could not be reached (e.g. a published port)
  'dns', // a name did not resolve
  'connection-refused',
  'blocked-by-proxy', // a forward proxy refused the request (403/407 to CONNECT)
  'tls', // TLS handshake or certificate verification failed
  'timeout',
  'auth-required', // the server wants credentials and none were given
  'auth-failed', // credentials were given and refused
  'no-credentials', // the check needs credentials the user did not provide
  'rate-limited',
  'plugin-missing', // the docker CLI, one of its plugins or a companion binary is not installed
  'platform-mismatch', // the image is for another architecture and cannot execute here
  'not-found', // the thing looked for does not exist (image, tag, file)
  'no-target', // the operation needs a target the user must name (e.g. --push-target) and none was named
  'dependency-failed', // a capability this one builds on is not supported, so this one cannot be exercised
  'image-lacks-tool', // the probe image lacks a tool the probe needs (nc, httpd, ...)
  'aborted', // the run was interrupted (Ctrl-C) before this capability was decided
  'deadline', // the global --timeout ran out before this capability was decided
  'probe-error', // the probe itself failed unexpectedly: a cap-probe bug, reported rather than hidden
  'unexpected-result', // the operation returned but its effect was not what it should have been
  'not-applicable', // the question does not apply in this environment (e.g. sibling containers when not in a container)
  'forbidden', // the server answered 403: a registry's or service's policy refuses the operation
  'builder-unavailable', // a build plugin is installed but its current builder cannot run a build (not booted, driver broken)
]);
export type Reason = z.infer<typeof ReasonSchema>;

/** Sections as the source document groups its rows. */
export const SectionSchema = z.enum([
  'image',
  'container',
  'network',
  'volume',
  'compose',
  'unknown-commands',
  'unsupported-commands',
  'registry-access',
  'testcontainers',
  'network-security',
  'preinstalled-services',
]);
export type Section = z.infer<typeof SectionSchema>;

export const SECTION_TITLES: Record<Section, string> = {
  image: 'Image Operations',
  container: 'Container Operations',
  network: 'Network Operations',
  volume: 'Volume Operations',
  compose: 'Docker Compose',
  'unknown-commands': 'Unknown Docker Commands (not documented)',
  'unsupported-commands': 'Unsupported Docker Commands',
  'registry-access': 'Registry Access Matrix',
  testcontainers: 'Testcontainers',
  'network-security': 'Network Access & Security',
  'preinstalled-services': 'Pre-installed Services',
};

/** Evidence of how a verdict was reached: what was tried, what came back. Never holds a secret. */
export const EvidenceSchema = z.object({
  tried: z.array(z.string()).describe('operations performed, as commands or Engine API calls'),
  error: z.string().optional().describe('the error message the operation produced, verbatim where possible'),
  facts: z.record(z.string(), z.unknown()).optional().describe('observed values: ports, versions, digests, headers'),
});
export type Evidence = z.infer<typeof EvidenceSchema>;
