/** Pure logic of the image CLI probes, fed with CLI output recorded on a machine without internet. */
import { describe, expect, it } from 'vitest';
import { classifyCliFailure } from '../../src/cli-outcome.js';
import { isLoopbackRegistry, registryHostOf } from '../../src/images.js';
import type { CliResult } from '../../src/docker-cli.js';
import { describeManifest } from '../../probes/image-remote-inspect.js';
import { scannerAnswers, trustPathOf } from '../../probes/image-security.js';

const result = (over: Partial<CliResult>): CliResult => ({ command: 'docker', exitCode: 1, stdout: '', stderr: '', missing: false, timedOut: false, ...over });

describe('classifyCliFailure', () => {
  const cases: Array<[string, string, string]> = [
    ['failed to configure transport: error pinging v2 registry: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host', 'unsupported', 'dns'],
    ['Error: error contacting notary server: dial tcp: lookup notary.docker.io on 10.255.255.53:53: no such host', 'unsupported', 'dns'],
    ['Error: error contacting notary server: dial tcp 127.0.0.1:5392: connect: connection refused', 'unsupported', 'connection-refused'],
    ['Error: error contacting notary server: tls: first record does not look like a TLS handshake', 'unsupported', 'tls'],
    ["docker: unknown command: docker buildx\n\nRun 'docker --help' for more information", 'unsupported', 'plugin-missing'],
    ['no such manifest: 127.0.0.1:5101/cap-probe/busybox:nope', 'unsupported', 'not-found'],
    ['Error: remote trust data does not exist for 127.0.0.1:5101/x: 127.0.0.1:5101 does not have trust data for 127.0.0.1:5101/x', 'unsupported', 'not-found'],
  ];
  for (const [stderr, status, reason] of cases) {
    it(`${reason}: ${stderr.slice(0, 60)}`, () => {
      const c = classifyCliFailure(result({ stderr }));
      expect([c.status, c.reason]).toEqual([status, reason]);
      expect(c.message).not.toMatch(/^Error:/);
    });
  }

  it('says timeout for a command that ran out of time, and plugin-missing for a missing docker binary', () => {
    expect(classifyCliFailure(result({ timedOut: true, exitCode: undefined })).reason).toBe('timeout');
    expect(classifyCliFailure(result({ missing: true, stderr: 'docker: command not found' })).reason).toBe('plugin-missing');
  });
});

describe('registry of a reference', () => {
  it('finds the registry host the way the docker CLI does', () => {
    expect(registryHostOf('nginx:latest')).toBe('docker.io');
    expect(registryHostOf('library/nginx')).toBe('docker.io');
    expect(registryHostOf('ghcr.io/owner/image:1')).toBe('ghcr.io');
    expect(registryHostOf('127.0.0.1:5101/cap-probe/busybox:latest')).toBe('127.0.0.1');
    expect(registryHostOf('localhost:5000/x')).toBe('localhost');
    expect(registryHostOf('[::1]:5000/x')).toBe('::1');
  });

  it('treats only loopback registries as insecure', () => {
    expect(isLoopbackRegistry('127.0.0.1:5101/x')).toBe(true);
    expect(isLoopbackRegistry('127.0.0.8:5108/x')).toBe(true);
    expect(isLoopbackRegistry('localhost:5000/x')).toBe(true);
    expect(isLoopbackRegistry('nginx:latest')).toBe(false);
    expect(isLoopbackRegistry('registry.example.com:5000/x')).toBe(false);
    expect(isLoopbackRegistry('127.0.0.1.example.com/x')).toBe(false);
  });
});

describe('describeManifest', () => {
  it('names the platforms of an index and the layers of a manifest, and refuses what is not a manifest', () => {
    const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }] });
    expect(describeManifest(index)?.facts.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    const single = JSON.stringify({ schemaVersion: 2, config: { digest: 'sha256:abc' }, layers: [{}, {}] });
    expect(describeManifest(single)?.facts).toMatchObject({ layers: 2, config: 'sha256:abc' });
    expect(describeManifest('Name: nginx:latest')).toBeUndefined();
    expect(describeManifest('[]')).toBeUndefined();
  });
});

describe('scannerAnswers', () => {
  const generalHelp = 'Usage:  docker [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers';
  it('does not take the general help that `docker scan --help` prints without the plugin for a scanner', () => {
    const answers = scannerAnswers(result({ stderr: 'docker: unknown command: docker scout' }), result({ exitCode: 0, stdout: generalHelp }));
    expect(answers.map((a) => a.present)).toEqual([false, false]);
  });

  it('finds either plugin by its own answer', () => {
    const scout = scannerAnswers(result({ exitCode: 0, stdout: 'version: v1.15.0 (go1.22.5 - linux/amd64)' }), result({ exitCode: 0, stdout: generalHelp }));
    expect(scout.map((a) => a.present)).toEqual([true, false]);
    const scan = scannerAnswers(result({ stderr: 'docker: unknown command: docker scout' }), result({ exitCode: 0, stdout: 'Usage:  docker scan [OPTIONS] IMAGE\n\nA tool to scan your images' }));
    expect(scan.map((a) => a.present)).toEqual([false, true]);
  });
});

describe('trustPathOf', () => {
  const digest = 'sha256:' + 'a'.repeat(64);
  it('sees a pull by signed digest in either stream, and nothing in a plain pull', () => {
    expect(trustPathOf(result({ exitCode: 0, stdout: `Pull (1 of 1): nginx:latest@${digest}\n${digest}: Pulling from library/nginx` }))).toBe(`Pull (1 of 1): nginx:latest@${digest}`);
    expect(trustPathOf(result({ exitCode: 0, stderr: `Tagging nginx@${digest} as nginx:latest` }))).toBe(`Tagging nginx@${digest} as nginx:latest`);
    expect(trustPathOf(result({ exitCode: 0, stdout: 'latest: Pulling from library/nginx\nStatus: Downloaded newer image for nginx:latest' }))).toBeUndefined();
  });
});
