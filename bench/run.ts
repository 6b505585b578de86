/**
 * Benchmarks: each prints cap-probe's time beside a peer doing the same work, measured in the same run,
 * and their ratio. Absolute times vary by machine; the ratio is what to compare.
 *   npm run bench [-- --rounds N]
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));
const IMAGE = process.env.CAP_PROBE_TEST_IMAGE ?? 'cap-probe-test/busybox:latest';
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;

async function time(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function docker(args: string[]): Promise<void> {
  await execa('docker', args, { reject: false });
}

interface Bench {
  readonly name: string;
  readonly subject: () => Promise<unknown>;
  readonly peerName: string;
  readonly peer: () => Promise<unknown>;
}

const benches: Bench[] = [
  {
    name: 'start-up: cap-probe list',
    subject: () => execa('node', [BIN, 'list', '--json']),
    peerName: 'docker version (client only)',
    peer: () => execa('docker', ['version', '--format', '{{.Client.Version}}']),
  },
  {
    name: 'container lifecycle: cap-probe all --only container-lifecycle rows',
    subject: () => execa('node', [BIN, 'all', '--json', '--image', IMAGE, '--only', 'container.run.detached,container.ps,container.ps.all,container.inspect,container.logs,container.stats,container.stop,container.start,container.restart,container.kill,container.rm']),
    peerName: 'the same eleven operations by the docker CLI',
    peer: async () => {
      const name = `cap-probe-bench-${process.pid}`;
      await docker(['run', '-d', '--name', name, IMAGE, 'sh', '-c', 'echo ok; while :; do sleep 1; done']);
      for (const args of [['ps'], ['inspect', name], ['logs', name], ['stats', '--no-stream', name], ['stop', '-t', '1', name], ['ps', '-a'], ['start', name], ['restart', '-t', '1', name], ['kill', name], ['rm', '-f', name]]) await docker(args);
    },
  },
  {
    name: 'network: cap-probe all --only network',
    subject: () => execa('node', [BIN, 'all', '--json', '--image', IMAGE, '--only', 'network']),
    peerName: 'docker network create/ls/inspect/connect/rm + two containers by the CLI',
    peer: async () => {
      const net = `cap-probe-bench-net-${process.pid}`;
      const server = `${net}-server`;
      await docker(['network', 'create', net]);
      await docker(['network', 'ls']);
      await docker(['network', 'inspect', net]);
      await docker(['run', '-d', '--name', server, IMAGE, 'sh', '-c', 'mkdir -p /w && echo ok > /w/index.html && exec httpd -f -p 8080 -h /w']);
      await docker(['network', 'connect', '--alias', 'srv', net, server]);
      await docker(['run', '--rm', '--network', net, IMAGE, 'sh', '-c', "for i in 1 2 3 4 5; do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc srv 8080 && exit 0; sleep 0.5; done"]);
      await docker(['rm', '-f', server]);
      await docker(['network', 'rm', net]);
    },
  },
];

console.log(`cap-probe benchmarks — median of ${ROUNDS} rounds, peer measured in the same run\n`);
for (const bench of benches) {
  const subject: number[] = [];
  const peer: number[] = [];
  // Interleaved, so drift in the machine's load hits both alike.
  for (let i = 0; i < ROUNDS; i++) {
    subject.push(await time(bench.subject));
    peer.push(await time(bench.peer));
  }
  const s = median(subject);
  const p = median(peer);
  console.log(`${bench.name}\n  cap-probe ${s.toFixed(0)} ms   peer (${bench.peerName}) ${p.toFixed(0)} ms   ratio ${(s / p).toFixed(2)}x\n`);
}
