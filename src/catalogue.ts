/**
 * The capability catalogue: one entry per row of the source document
 * (shared/seed/000_ecb220a3652e0703.txt, "Claude Code Web: Complete Docker & Registry Capabilities Analysis"),
 * plus the few rows the later sections imply. Each keeps the document's claim beside what cap-probe observes.
 *
 * Ids are stable (`subject.verb[.variant]`, kebab-case segments): CI checks and saved matrices refer to them.
 */
import type { DocumentedClaim, Section } from './model.js';

export interface CapabilityDefinition {
  readonly id: string;
  readonly section: Section;
  readonly title: string;
  /** The equivalent command as the document gives it. */
  readonly command: string;
  /** The document's claim for this row. */
  readonly documented: DocumentedClaim;
  /** The document's own words where its claim is more than yes/no (auth method, rate limits, caveats). */
  readonly documentedNote?: string;
  /** Optional, for `cap-probe explain`: what the capability means in practice, beyond its title. */
  readonly explain?: string;
}

const registryRows = (
  key: string,
  name: string,
  host: string,
  claims: { pullPublic: DocumentedClaim; pullPrivate: DocumentedClaim; pullPrivateNote?: string; auth: string; rateLimits: string },
) =>
  [
    {
      id: `registry.${key}.pull-public`,
      section: 'registry-access',
      title: `${name}: pull a public image`,
      command: `docker pull ${host}/<image>:<tag>`,
      documented: claims.pullPublic,
    },
    {
      id: `registry.${key}.pull-private`,
      section: 'registry-access',
      title: `${name}: pull a private image with credentials`,
      command: `docker login ${host} && docker pull ${host}/<private-image>`,
      documented: claims.pullPrivate,
      ...(claims.pullPrivateNote ? { documentedNote: claims.pullPrivateNote } : {}),
    },
    {
      id: `registry.${key}.push`,
      section: 'registry-access',
      title: `${name}: push`,
      command: `docker push ${host}/<image>:<tag>`,
      documented: 'unsupported',
    },
    {
      id: `registry.${key}.auth-method`,
      section: 'registry-access',
      title: `${name}: auth method (from the /v2/ challenge)`,
      command: `curl -i https://${host}/v2/`,
      documented: 'n/a',
      documentedNote: claims.auth,
    },
    {
      id: `registry.${key}.rate-limits`,
      section: 'registry-access',
      title: `${name}: rate limits`,
      command: `curl -I https://${host}/v2/<image>/manifests/<tag>`,
      documented: 'n/a',
      documentedNote: claims.rateLimits,
    },
  ] as const;

export const CATALOGUE = [
  // ── Supported Docker Commands: Image Operations ──────────────────────────────────────────────
  { id: 'image.pull', section: 'image', title: 'Pull an image from a registry', command: 'docker pull <registry>/<image>:<tag>', documented: 'supported' },
  { id: 'image.pull.platform.amd64', section: 'image', title: 'Pull a specific platform: linux/amd64', command: 'docker pull --platform linux/amd64 nginx:latest', documented: 'supported' },
  { id: 'image.pull.platform.arm64', section: 'image', title: 'Pull a specific platform: linux/arm64', command: 'docker pull --platform linux/arm64 postgres:16', documented: 'supported' },
  { id: 'image.ls', section: 'image', title: 'List local images', command: 'docker images / docker image ls', documented: 'supported' },
  { id: 'image.inspect', section: 'image', title: 'Inspect an image', command: 'docker inspect <image> / docker image inspect <image>', documented: 'supported' },
  { id: 'image.history', section: 'image', title: 'Show image history', command: 'docker history <image>', documented: 'supported' },
  { id: 'image.tag', section: 'image', title: 'Tag an image locally', command: 'docker tag <image> <image>:<tag>', documented: 'n/a' },
  { id: 'image.rm', section: 'image', title: 'Remove an image', command: 'docker rmi <image> / docker image rm <image>', documented: 'supported' },
  { id: 'image.prune', section: 'image', title: 'Prune dangling images (cap-probe label only)', command: 'docker image prune', documented: 'supported' },
  { id: 'image.prune.all', section: 'image', title: 'Prune unused images (cap-probe label only)', command: 'docker image prune -a', documented: 'supported' },
  { id: 'image.manifest-inspect', section: 'image', title: 'Inspect a remote manifest', command: 'docker manifest inspect <image>', documented: 'supported' },
  { id: 'image.imagetools-inspect', section: 'image', title: 'Inspect a multi-platform image', command: 'docker buildx imagetools inspect <image>', documented: 'supported' },

  // ── Supported Docker Commands: Container Operations ──────────────────────────────────────────
  { id: 'container.run.detached', section: 'container', title: 'Run a container in the background', command: 'docker run -d --name mycontainer <image>', documented: 'supported' },
  { id: 'container.run.rm', section: 'container', title: 'Run an ephemeral container (--rm)', command: 'docker run --rm <image>', documented: 'supported' },
  { id: 'container.run.tty', section: 'container', title: 'Run with an interactive TTY (-it)', command: 'docker run -it --rm <image> /bin/bash', documented: 'supported' },
  { id: 'container.run.publish', section: 'container', title: 'Publish a port and reach it', command: 'docker run -p 8080:80 nginx:latest', documented: 'supported' },
  { id: 'container.start', section: 'container', title: 'Start a stopped container', command: 'docker start <container>', documented: 'supported' },
  { id: 'container.stop', section: 'container', title: 'Stop a container', command: 'docker stop <container>', documented: 'supported' },
  { id: 'container.restart', section: 'container', title: 'Restart a container', command: 'docker restart <container>', documented: 'supported' },
  { id: 'container.kill', section: 'container', title: 'Kill a container', command: 'docker kill <container>', documented: 'supported' },
  { id: 'container.ps', section: 'container', title: 'List running containers', command: 'docker ps', documented: 'supported' },
  { id: 'container.ps.all', section: 'container', title: 'List all containers', command: 'docker ps -a', documented: 'supported' },
  { id: 'container.inspect', section: 'container', title: 'Inspect a container', command: 'docker inspect <container>', documented: 'supported' },
  { id: 'container.logs', section: 'container', title: 'Read container logs', command: 'docker logs <container>', documented: 'supported' },
  { id: 'container.stats', section: 'container', title: 'Read container resource stats', command: 'docker stats <container>', documented: 'supported' },
  { id: 'container.exec', section: 'container', title: 'Execute a command in a container', command: 'docker exec <container> <command>', documented: 'supported' },
  { id: 'container.exec.tty', section: 'container', title: 'Execute with an interactive TTY', command: 'docker exec -it <container> /bin/bash', documented: 'supported' },
  { id: 'container.rm', section: 'container', title: 'Remove a container', command: 'docker rm <container>', documented: 'supported' },
  { id: 'container.prune', section: 'container', title: 'Prune stopped containers (cap-probe label only)', command: 'docker container prune', documented: 'supported' },

  // ── Supported Docker Commands: Network Operations ────────────────────────────────────────────
  { id: 'network.create', section: 'network', title: 'Create a network', command: 'docker network create <network>', documented: 'supported' },
  { id: 'network.ls', section: 'network', title: 'List networks', command: 'docker network ls', documented: 'supported' },
  { id: 'network.inspect', section: 'network', title: 'Inspect a network', command: 'docker network inspect <network>', documented: 'supported' },
  { id: 'network.connect', section: 'network', title: 'Connect a container; reach another by name', command: 'docker network connect <network> <container>', documented: 'supported' },
  { id: 'network.rm', section: 'network', title: 'Remove a network', command: 'docker network rm <network>', documented: 'supported' },

  // ── Supported Docker Commands: Volume Operations ─────────────────────────────────────────────
  { id: 'volume.create', section: 'volume', title: 'Create a volume', command: 'docker volume create <volume>', documented: 'supported' },
  { id: 'volume.ls', section: 'volume', title: 'List volumes', command: 'docker volume ls', documented: 'supported' },
  { id: 'volume.inspect', section: 'volume', title: 'Inspect a volume', command: 'docker volume inspect <volume>', documented: 'supported' },
  { id: 'volume.share', section: 'volume', title: 'Write data in one container, read it in another', command: 'docker run -v <volume>:/data <image>', documented: 'supported', documentedNote: 'implied by "Volume mounts for data persistence"' },
  { id: 'volume.rm', section: 'volume', title: 'Remove a volume', command: 'docker volume rm <volume>', documented: 'supported' },
  { id: 'volume.prune', section: 'volume', title: 'Prune volumes (cap-probe label only)', command: 'docker volume prune', documented: 'supported' },

  // ── Supported Docker Commands: Docker Compose ────────────────────────────────────────────────
  { id: 'compose.up', section: 'compose', title: 'Start services', command: 'docker-compose up -d', documented: 'supported' },
  { id: 'compose.logs', section: 'compose', title: 'View service logs', command: 'docker-compose logs -f', documented: 'supported' },
  { id: 'compose.scale', section: 'compose', title: 'Scale a service', command: 'docker-compose up -d --scale worker=5', documented: 'supported' },
  { id: 'compose.exec', section: 'compose', title: 'Execute a command in a service', command: 'docker-compose exec service /bin/bash', documented: 'supported' },
  { id: 'compose.down', section: 'compose', title: 'Stop services, remove networks and volumes', command: 'docker-compose down', documented: 'supported' },

  // ── Unknown Docker Commands (not documented) ─────────────────────────────────────────────────
  { id: 'build.classic', section: 'unknown-commands', title: 'Build an image (classic builder)', command: 'docker build -t myimage:latest .', documented: 'unknown' },
  { id: 'build.buildx', section: 'unknown-commands', title: 'Build with BuildKit (buildx)', command: 'docker buildx build .', documented: 'unknown' },
  { id: 'build.buildx.multi-platform', section: 'unknown-commands', title: 'Multi-platform build', command: 'docker buildx build --platform linux/amd64,linux/arm64 .', documented: 'unknown' },
  { id: 'image.save', section: 'unknown-commands', title: 'Save an image to a tar', command: 'docker save -o image.tar <image>', documented: 'unknown' },
  { id: 'image.load', section: 'unknown-commands', title: 'Load an image from a tar', command: 'docker load -i image.tar', documented: 'unknown' },
  { id: 'container.export', section: 'unknown-commands', title: "Export a container's filesystem", command: 'docker export <container> > container.tar', documented: 'unknown' },
  { id: 'image.import', section: 'unknown-commands', title: 'Import a filesystem tar as an image', command: 'docker import container.tar myimage:latest', documented: 'unknown' },
  { id: 'registry.login', section: 'unknown-commands', title: 'Log in to a registry', command: 'docker login <registry>', documented: 'unknown' },
  { id: 'registry.logout', section: 'unknown-commands', title: 'Log out of a registry', command: 'docker logout <registry>', documented: 'unknown' },

  // ── Unsupported Docker Commands ──────────────────────────────────────────────────────────────
  { id: 'registry.push', section: 'unsupported-commands', title: 'Push an image to a registry', command: 'docker push <registry>/<image>:<tag>', documented: 'unsupported' },
  { id: 'build.buildx.push', section: 'unsupported-commands', title: 'Build and push with buildx', command: 'docker buildx build --push -t <registry>/<image>:<tag> .', documented: 'unsupported' },
  { id: 'image.tag.external', section: 'unsupported-commands', title: 'Tag for an external registry', command: 'docker tag <image> <external-registry>/<image>:<tag>', documented: 'unsupported' },
  { id: 'registry.login.private', section: 'unsupported-commands', title: 'Private registry authentication', command: 'docker login ghcr.io -u username -p PAT_TOKEN', documented: 'unsupported', documentedNote: 'May be blocked' },
  { id: 'container.run.privileged', section: 'unsupported-commands', title: 'Run a privileged container', command: 'docker run --privileged <image>', documented: 'unsupported' },
  { id: 'container.run.cap-add-all', section: 'unsupported-commands', title: 'Run with all capabilities added', command: 'docker run --cap-add=ALL <image>', documented: 'unsupported' },
  { id: 'container.run.host-network', section: 'unsupported-commands', title: 'Run on the host network', command: 'docker run --network host <image>', documented: 'unsupported', documentedNote: 'unconfirmed' },
  { id: 'container.run.bind-mount', section: 'unsupported-commands', title: 'Bind-mount a host path', command: 'docker run -v /host/path:/container/path <image>', documented: 'unsupported', documentedNote: 'unconfirmed' },

  // ── Registry Access Matrix ───────────────────────────────────────────────────────────────────
  ...registryRows('dockerhub', 'Docker Hub', 'docker.io', { pullPublic: 'supported', pullPrivate: 'unknown', auth: 'N/A (public) / PAT (private)', rateLimits: '100-200/6h' }),
  ...registryRows('ghcr', 'ghcr.io', 'ghcr.io', { pullPublic: 'supported', pullPrivate: 'unknown', auth: 'PAT with read:packages', rateLimits: 'GitHub limits' }),
  ...registryRows('gcr', 'gcr.io', 'gcr.io', { pullPublic: 'supported', pullPrivate: 'unknown', auth: 'Service account key', rateLimits: 'GCP quota' }),
  ...registryRows('mcr', 'mcr.microsoft.com', 'mcr.microsoft.com', { pullPublic: 'supported', pullPrivate: 'n/a', pullPrivateNote: 'N/A (public only)', auth: 'None (public)', rateLimits: 'Microsoft limits' }),
  ...registryRows('ecr-public', 'public.ecr.aws', 'public.ecr.aws', { pullPublic: 'supported', pullPrivate: 'n/a', pullPrivateNote: 'N/A (public only)', auth: 'None (public)', rateLimits: 'AWS limits' }),
  ...registryRows('ecr-private', 'Private ECR', '<account>.dkr.ecr.<region>.amazonaws.com', { pullPublic: 'unsupported', pullPrivate: 'unsupported', auth: 'N/A (blocked)', rateLimits: 'N/A' }),

  // ── Testcontainers Integration ───────────────────────────────────────────────────────────────
  { id: 'testcontainers.host-discovery', section: 'testcontainers', title: 'Testcontainers finds a Docker host', command: 'TESTCONTAINERS_HOST_OVERRIDE / ~/.testcontainers.properties / DOCKER_HOST / sockets', documented: 'supported' },
  { id: 'testcontainers.ryuk', section: 'testcontainers', title: 'Ryuk resource reaper available (or disabled)', command: 'docker pull testcontainers/ryuk', documented: 'supported' },
  { id: 'testcontainers.mapped-port', section: 'testcontainers', title: "A container's mapped port reachable from the host Testcontainers picks", command: 'new GenericContainer(image).withExposedPorts(port).start()', documented: 'supported' },
  { id: 'testcontainers.sibling-access', section: 'testcontainers', title: 'Sibling containers reachable when running inside a container', command: 'docker run -d -p <port> <image> (from inside a container)', documented: 'n/a' },
  { id: 'testcontainers.module.postgres', section: 'testcontainers', title: 'PostgreSQL module image pullable (postgres:16)', command: 'PostgresContainer("postgres:16")', documented: 'supported' },
  { id: 'testcontainers.module.redis', section: 'testcontainers', title: 'Redis module image pullable (redis:7.0)', command: 'RedisContainer("redis:7.0")', documented: 'supported' },
  { id: 'testcontainers.module.mysql', section: 'testcontainers', title: 'MySQL module image pullable (mysql:8.0)', command: 'MySqlContainer("mysql:8.0")', documented: 'supported' },
  { id: 'testcontainers.chaos', section: 'testcontainers', title: 'Chaos pattern: stop a serving container, start it, it serves again', command: 'container.stop(); container.start()', documented: 'supported' },

  // ── Network Access & Security ────────────────────────────────────────────────────────────────
  { id: 'security.egress-proxy', section: 'network-security', title: 'Traffic goes through an HTTP(S) security proxy', command: 'env | grep -i _proxy; docker info (HTTP Proxy)', documented: 'supported', documentedNote: 'All network traffic goes through a security proxy' },
  { id: 'security.git-proxy', section: 'network-security', title: 'git reaches an HTTPS remote (separate GitHub proxy)', command: 'git ls-remote https://github.com/<owner>/<repo>', documented: 'supported' },
  { id: 'security.content-trust', section: 'network-security', title: 'Pull with Docker Content Trust', command: 'DOCKER_CONTENT_TRUST=1 docker pull nginx:latest', documented: 'unknown', documentedNote: 'if Docker Content Trust enabled' },
  { id: 'security.scan', section: 'network-security', title: 'An image scanner is available', command: 'docker scan nginx:latest / docker scout', documented: 'unknown', documentedNote: 'if scanner available' },
  { id: 'security.docker-config', section: 'network-security', title: 'A custom DOCKER_CONFIG is honoured', command: 'export DOCKER_CONFIG=/path/to/config', documented: 'unknown', documentedNote: 'may be supported' },
  { id: 'security.login.password-stdin', section: 'network-security', title: 'Log in with --password-stdin', command: 'echo $GITHUB_TOKEN | docker login ghcr.io -u USERNAME --password-stdin', documented: 'unknown', documentedNote: 'may be supported' },
  { id: 'sandbox.in-container', section: 'network-security', title: 'cap-probe runs inside a container or VM', command: 'cat /.dockerenv /proc/1/cgroup /proc/self/mountinfo', documented: 'n/a' },
  { id: 'sandbox.capabilities', section: 'network-security', title: "The process's capability sets", command: 'grep Cap /proc/self/status', documented: 'n/a' },
  { id: 'sandbox.seccomp', section: 'network-security', title: 'Seccomp mode of the process', command: 'grep Seccomp /proc/self/status', documented: 'n/a' },
  { id: 'sandbox.lsm', section: 'network-security', title: 'AppArmor / SELinux', command: 'cat /proc/self/attr/current', documented: 'n/a' },
  { id: 'sandbox.userns', section: 'network-security', title: 'User namespaces', command: 'cat /proc/self/uid_map', documented: 'n/a' },
  { id: 'sandbox.cgroup', section: 'network-security', title: 'cgroup version', command: 'stat -fc %T /sys/fs/cgroup', documented: 'n/a' },
  { id: 'sandbox.engine-rootless', section: 'network-security', title: 'The engine runs rootless', command: 'docker info --format {{.SecurityOptions}}', documented: 'n/a' },

  // ── Pre-installed databases ──────────────────────────────────────────────────────────────────
  { id: 'services.postgresql', section: 'preinstalled-services', title: 'PostgreSQL pre-installed', command: 'psql --version; pg_isready', documented: 'supported', documentedNote: 'PostgreSQL 16' },
  { id: 'services.redis', section: 'preinstalled-services', title: 'Redis pre-installed', command: 'redis-server --version; redis-cli ping', documented: 'supported', documentedNote: 'Redis 7.0' },
] as const satisfies readonly CapabilityDefinition[];

export type CapabilityId = (typeof CATALOGUE)[number]['id'];

const BY_ID: ReadonlyMap<string, CapabilityDefinition> = new Map(CATALOGUE.map((c) => [c.id, c]));

export function findCapability(id: string): CapabilityDefinition | undefined {
  return BY_ID.get(id);
}
