// Preloaded with `node --import` into a measured child process: on exit, writes the process's own
// resource usage (peak RSS in KiB, CPU in µs) to $BENCH_RUSAGE_FILE, with the largest V8 heap seen by
// a 250 ms sampler (to tell live data from garbage and code). Nothing else changes.
import { writeFileSync } from 'node:fs';
import { setInterval } from 'node:timers';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  let heapUsedMax = 0;
  let heapTotalMax = 0;
  let externalMax = 0;
  // Physical size of each V8 heap space at its largest (new, old, code, large objects…), in bytes.
  const spacesMax = {};
  const sample = () => {
    for (const s of getHeapSpaceStatistics())
      spacesMax[s.space_name] = Math.max(spacesMax[s.space_name] ?? 0, s.physical_space_size);
    const m = process.memoryUsage();
    heapUsedMax = Math.max(heapUsedMax, m.heapUsed);
    heapTotalMax = Math.max(heapTotalMax, m.heapTotal);
    externalMax = Math.max(externalMax, m.external + m.arrayBuffers);
  };
  setInterval(sample, 250).unref();
  process.on('exit', (code) => {
    sample();
    const u = process.resourceUsage();
    const h = getHeapStatistics();
    writeFileSync(
      file,
      JSON.stringify({
        code,
        maxRssKiB: u.maxRSS,
        userCpuUs: u.userCPUTime,
        systemCpuUs: u.systemCPUTime,
        uptimeMs: Math.round(process.uptime() * 1000),
        heapUsedMaxMiB: heapUsedMax / 2 ** 20,
        heapTotalMaxMiB: heapTotalMax / 2 ** 20,
        externalMaxMiB: externalMax / 2 ** 20,
        heapSizeLimitMiB: h.heap_size_limit / 2 ** 20,
        spacesMaxMiB: Object.fromEntries(
          Object.entries(spacesMax).map(([k, v]) => [k, Math.round((v / 2 ** 20) * 10) / 10]),
        ),
      }),
    );
  });
}
