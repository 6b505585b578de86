/**
 * What each reason code usually means in practice and what a user can do about it: shown by `cap-probe explain`.
 * Keyed by every Reason: test/meta/reasons.test.ts fails naming any code in src/model.ts without advice here.
 * (Partial only so that a code added elsewhere does not break the build before its advice is written.)
 */
import type { Reason } from './model.js';

export interface ReasonAdvice {
  /** The common causes, most likely first. */
  readonly causes: string;
  /** What a user can do about it. */
  readonly action: string;
}

export const REASON_ADVICE: Readonly<Partial<Record<Reason, ReasonAdvice>>> = {
  'not-probed': {
    causes: 'No probe module decides this capability yet, or the run left it out (--only / --skip).',
    action: 'Run without --only/--skip; if it stays not-probed, this version of cap-probe cannot test it yet.',
  },
  'engine-unreachable': {
    causes: 'No Docker-compatible engine answered: the daemon is not running, DOCKER_HOST points elsewhere, the socket is not mounted, or the docker context names a dead endpoint.',
    action: 'Start the engine (dockerd, podman system service), or pass --host unix:///path/to.sock; the environment section lists every endpoint tried and its error.',
  },
  'no-runnable-image': {
    causes: 'Run-type probes need an image with /bin/sh: no local image has one, no registry is reachable to pull busybox, and no static busybox was found on the host to import.',
    action: 'Pass --image <ref> naming a local image with /bin/sh, or install a static busybox (Debian: apt-get install busybox-static).',
  },
  'refused-by-engine': {
    causes: 'The engine answered and said no: a security policy (authorization plugin, sandbox), a missing kernel capability (e.g. --privileged in a VM without CAP_SYS_ADMIN/CAP_SYS_RESOURCE), or a runtime error.',
    action: 'Read the evidence error: it is the engine\'s own words. Policy refusals are final in this environment; runtime errors may be fixed in the engine configuration.',
  },
  'permission-denied': {
    causes: 'The OS or engine denied access: the user is not in the docker group, the socket is root-only, or a file is not readable.',
    action: 'Check the socket\'s owner and mode (ls -l /var/run/docker.sock), join the docker group, or run rootless Podman/Docker.',
  },
  'not-reachable': {
    causes: 'The operation was accepted but its effect could not be reached: a published port not forwarded to where cap-probe runs (remote engine, VM, rootless networking), or a firewall in between.',
    action: 'With a remote engine, connect to the engine host\'s address; check the published port with docker port and the firewall rules.',
  },
  dns: {
    causes: 'A name did not resolve: no internet access, a sandbox without DNS, or a registry host that is not in the resolver.',
    action: 'Check /etc/resolv.conf and the daemon\'s DNS settings; in an offline sandbox this is expected — use a local registry or mirror.',
  },
  'connection-refused': {
    causes: 'Nothing listens at the address: the service is down, listens on another interface, or the port is wrong.',
    action: 'Check the service is running and the address/port in the evidence.',
  },
  'blocked-by-proxy': {
    causes: 'A forward proxy refused the request (HTTP 403/407 to CONNECT): the host is not on its allowlist, or it wants proxy credentials.',
    action: 'Ask for the host to be allowlisted, or configure the proxy credentials (HTTPS_PROXY for the daemon and the client).',
  },
  tls: {
    causes: 'The TLS handshake or certificate verification failed: a self-signed or intercepting-proxy certificate, an unknown CA, or a wrong host name.',
    action: 'Install the CA for the engine (/etc/docker/certs.d/HOST:PORT/ca.crt) and for Node (NODE_EXTRA_CA_CERTS).',
  },
  timeout: {
    causes: 'The operation did not finish in time: a slow network, a silently dropped connection (firewall), or a hung engine.',
    action: 'Retry with a longer --probe-timeout; a timeout that persists usually means traffic is dropped rather than refused.',
  },
  'auth-required': {
    causes: 'The server wants credentials and none were given (a private image, a registry that requires login even for pulls).',
    action: 'Log in (docker login) or pass the credentials the probe asks for.',
  },
  'auth-failed': {
    causes: 'Credentials were given and refused: a wrong or expired token, or a token without the needed scope (e.g. read:packages).',
    action: 'Check the token and its scopes; re-create it if expired.',
  },
  'no-credentials': {
    causes: 'The check needs credentials the user did not provide.',
    action: 'Provide them through the option or environment variable the capability\'s detail names.',
  },
  'rate-limited': {
    causes: 'The registry refused because of its rate limit (Docker Hub: 100-200 pulls per 6 h anonymous).',
    action: 'Log in to raise the limit, wait, or use a mirror.',
  },
  'plugin-missing': {
    causes: 'The docker CLI, one of its plugins (compose, buildx) or a companion binary is not installed.',
    action: 'Install the missing piece (e.g. the docker-compose-plugin or docker-buildx-plugin package).',
  },
  'builder-unavailable': {
    causes: 'The buildx plugin is installed but its current builder cannot run a build: a docker-container builder that is stopped and cannot boot (its BuildKit image cannot be pulled), a removed builder still selected, or a remote builder that does not answer.',
    action: 'Run `docker buildx ls` and `docker buildx inspect --bootstrap`; select a working builder with `docker buildx use default`, or create one with `docker buildx create --use`.',
  },
  'platform-mismatch': {
    causes: 'The image is for another CPU architecture and the host has no emulation (QEMU/binfmt_misc): "exec format error".',
    action: 'Use an image for the host\'s architecture, or register QEMU emulators (docker run --privileged tonistiigi/binfmt --install all) where allowed.',
  },
  'not-found': {
    causes: 'The thing looked for does not exist: an image or tag, a file, a repository.',
    action: 'Check the name in the evidence; for registries, the repository may be private (which looks like not-found to anonymous users).',
  },
  'no-target': {
    causes: 'The operation needs a target the user must name (e.g. a registry to push to) and none was named.',
    action: 'Name the target with the option the detail mentions (e.g. --push-target).',
  },
  'dependency-failed': {
    causes: 'A capability this one builds on is not supported here, so this one could not be exercised.',
    action: 'Look at the capability named in the detail first; this row follows from it.',
  },
  'image-lacks-tool': {
    causes: 'The probe image lacks a tool the probe needs (nc, httpd, ...).',
    action: 'Pass --image with an image that has it (a full busybox has all of them).',
  },
  aborted: {
    causes: 'The run was interrupted (Ctrl-C or SIGTERM) before this capability was decided.',
    action: 'Run again and let it finish.',
  },
  deadline: {
    causes: 'The global --timeout ran out before this capability was decided.',
    action: 'Raise --timeout, or select fewer capabilities with --only.',
  },
  'probe-error': {
    causes: 'The probe itself failed unexpectedly: a bug in cap-probe, or an engine answer it does not understand.',
    action: 'Please report it with the evidence (cap-probe explain <id> --from matrix.json shows it).',
  },
  'unexpected-result': {
    causes: 'The operation returned but its effect was not what it should have been (wrong content, missing resource, wrong state).',
    action: 'Read the evidence facts: they show what was observed versus expected. Often an engine incompatibility (e.g. a Docker-compatible API that differs).',
  },
  'not-applicable': {
    causes: 'The question does not apply in this environment (e.g. sibling containers when cap-probe does not run in a container).',
    action: 'Nothing to do: the capability is not meaningful here.',
  },
  forbidden: {
    causes: 'The server (a registry or its token service) answered 403: a policy refuses this operation for the caller, e.g. pushes to a read-only mirror or a repository the account may not write to.',
    action: 'Use an account or token with the needed permission (e.g. write:packages, a push-enabled IAM role), or a repository you own.',
  },
};

export function adviceFor(reason: Reason): ReasonAdvice {
  return REASON_ADVICE[reason] ?? { causes: `No advice is written for reason "${reason}" yet.`, action: 'Read the detail and the evidence error.' };
}
