import { cpuMicrosOfStat, processCpuMicros } from './process-cpu';
import { median } from './load';

describe("a process's CPU time", () => {
  it('reads utime and stime from a /proc/<pid>/stat line, whatever the command name holds', () => {
    // Fields 14 and 15 (utime, stime) are 250 and 50 ticks; the name has spaces and a parenthesis.
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 500 1000 200';
    expect(cpuMicrosOfStat(stat, 100)).toBe(3_000_000);
    expect(cpuMicrosOfStat('4242 (node) S 1', 100)).toBeUndefined();
  });

  it("grows with this process's own work, and is undefined for a process that is not there", () => {
    if (process.platform !== 'linux') {
      console.log('Skipped: /proc/<pid>/stat is Linux');
      return;
    }
    const before = processCpuMicros(process.pid);
    expect(before).toBeGreaterThan(0);
    const until = Date.now() + 100;
    let spin = 0;
    while (Date.now() < until) spin++;
    expect(spin).toBeGreaterThan(0);
    expect(processCpuMicros(process.pid)).toBeGreaterThan(before ?? Infinity);
    expect(processCpuMicros(2 ** 22 + 1)).toBeUndefined();
  });

  it('is reported as the median over rounds, and only when every round recorded it', () => {
    const round = (cpu?: number) => ({
      requestsPerSecond: 1000,
      p50: 1,
      p90: 2,
      p99: 3,
      errors: 0,
      requests: 1000,
      ...(cpu !== undefined && { serverCpuMicrosPerRequest: cpu }),
    });
    expect(median([round(120), round(100), round(300)]).serverCpuMicrosPerRequest).toBe(120);
    expect(median([round(120), round()])).not.toHaveProperty('serverCpuMicrosPerRequest');
  });
});
