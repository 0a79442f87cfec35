// V8's memory-saving mode (--optimize-for-size) for every runtime process: a smaller heap-growing factor and
// leaner compiled code. Every Collector is its own pod, so memory is multiplied by the number of Collectors
// while a collector's CPU is mostly spent waiting: the soak's peak RSS fell from 197 to 141 MiB with it
// (test/bench/RESULTS.md "Runtime soak"). Imported first by cli/main.ts, before anything else runs.
// Set here, not in NODE_OPTIONS (Node accepts only a few V8 flags there) nor in the image's ENTRYPOINT (then
// `npm run collector` and the benchmarks would run without it). Its companion --max-opt=2 cannot be set
// here: V8 fixes the tiers when it starts, so it is on node's command line (Dockerfile.runtime, `npm run
// collector`).
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--optimize-for-size');
