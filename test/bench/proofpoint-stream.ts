// PoD stream benchmark: realistic message frames from the PoD simulator (its own process) over a
// WebSocket into the real runtime (this process: proofpoint_on_demand → pipeline → Devo sink) and on
// to a private rsyslog over mutual TLS. Timed from the runtime's start until rsyslog's file holds every
// frame; CPU seconds of each process and this process's RSS are reported.
// Run alone: npx node test/bench/proofpoint-stream.ts [--frames N]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { replaceSection } from './results-file.ts';
import { startRsyslogReceiver } from '../support/rsyslog-receiver.ts';
import { startRuntimeRun } from '../support/runtime-run.ts';
import { generateTestPki } from '../support/tls-certs.ts';
import { SIM_POD_CLUSTER, SIM_POD_TOKEN } from '../simulators/proofpoint/server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MiB = 1024 * 1024;

function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** The simulator in its own process, with `frames` message events logged in the last half hour. */
async function startSimulatorProcess(frames: number) {
  const script = `
    const { startPodSimulator } = await import(${JSON.stringify(join(ROOT, 'test/simulators/proofpoint/server.ts'))});
    const sim = await startPodSimulator({ seed: 11, scenario: { newTokenStart: 'hour' } });
    const now = Date.now();
    sim.add('message', ${frames}, { from: now - 30 * 60_000, to: now - 1_000 });
    process.stdout.write(JSON.stringify({ url: sim.url }) + '\\n');
    process.stdin.on('end', () => sim.close().then(() => process.exit(0)));
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((res, rej) => {
    createInterface({ input: child.stdout! }).once('line', res);
    child.once('exit', (code) => rej(new Error(`simulator exited with ${code}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise<void>((res) => {
        child.once('exit', () => res());
        child.stdin!.end();
      }),
  };
}

export async function run(frames = 100_000) {
  const dir = await mkdtemp(join(tmpdir(), 'pod-bench-'));
  const load = Math.round(loadavg()[0]! * 100) / 100;
  const pki = await generateTestPki(join(dir, 'pki'));
  const rx = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog'), mode: 'throughput' });
  const sim = await startSimulatorProcess(frames);
  try {
    const rssStart = process.memoryUsage().rss;
    let peakRss = rssStart;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const cpu0 = { own: ownCpu(), sim: cpuSecondsOf(sim.pid), rx: cpuSecondsOf(rx.pid) };
    const t0 = performance.now();
    const runtime = await startRuntimeRun({
      home: join(dir, 'home'),
      pki,
      receiverPort: rx.port,
      name: 'pod-bench',
      inputs: {
        proofpoint_on_demand: {
          id: 'bench',
          credentials: { cluster_id: SIM_POD_CLUSTER, api_key: SIM_POD_TOKEN },
          services: { message: { override_url_base: sim.url } },
        },
      },
    });
    await rx.waitForCount(frames, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = {
      own: ownCpu() - cpu0.own,
      sim: cpuSecondsOf(sim.pid) - cpu0.sim,
      rx: cpuSecondsOf(rx.pid) - cpu0.rx,
    };
    clearInterval(sampler);
    const bytes = await rx.fileSize();
    await runtime.stop();
    return {
      frames,
      seconds: Math.round(seconds * 100) / 100,
      framesPerSecond: Math.round(frames / seconds),
      mibPerSecond: Math.round((bytes / MiB / seconds) * 10) / 10,
      lineBytes: Math.round(bytes / frames),
      collectorCpuSeconds: Math.round(cpu.own * 100) / 100,
      framesPerCollectorCpuSecond: Math.round(frames / cpu.own),
      simulatorCpuSeconds: Math.round(cpu.sim * 100) / 100,
      rsyslogCpuSeconds: Math.round(cpu.rx * 100) / 100,
      rssStartMiB: Math.round(rssStart / MiB),
      peakRssMiB: Math.round(peakRss / MiB),
      load,
    };
  } finally {
    await sim.stop();
    await rx.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const i = process.argv.indexOf('--frames');
const r = await run(i > 0 ? Number(process.argv[i + 1]) : undefined);
process.stdout.write(`${JSON.stringify(r)}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');
await replaceSection(
  'Proofpoint on Demand stream',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`npx node test/bench/proofpoint-stream.ts\` (Node ${process.version}, ${fmt(r.frames)} realistic message frames, ${r.lineBytes} bytes per Devo line on average, ${availableParallelism()} CPUs, load average ${r.load} at the start).
The PoD simulator (its own process) serves frames already logged; the runtime (this process: \`proofpoint_on_demand\` →
dedup → commit queue → pipeline → Devo sink, checkpoint saved after each delivered batch) reads them over a
WebSocket and writes to rsyslog (mutual TLS, bench "throughput" mode). Timed from the runtime's start until
rsyslog's file holds every line.

| frames | seconds | frames/s | MiB/s into rsyslog | collector CPU s | frames per collector CPU s | simulator CPU s | rsyslogd CPU s | collector RSS start → peak (MiB) |
|---|---|---|---|---|---|---|---|---|
| ${fmt(r.frames)} | ${r.seconds} | ${fmt(r.framesPerSecond)} | ${r.mibPerSecond} | ${r.collectorCpuSeconds} | ${fmt(r.framesPerCollectorCpuSecond)} | ${r.simulatorCpuSeconds} | ${r.rsyslogCpuSeconds} | ${r.rssStartMiB} → ${r.peakRssMiB} |

The three processes share the machine's CPUs (and, when the load average is high, with other work):
collector CPU close to the elapsed seconds means the collector is the bottleneck; far below it, the
collector waited for CPU or I/O, and frames per collector CPU second is the comparable figure. Per frame
the collector's CPU goes mostly to \`JSON.parse\` of the frame and \`JSON.stringify\` of the Devo line
(passing the frame's text through unparsed would remove one of the two). The RSS includes the
benchmark's own harness.`,
);
