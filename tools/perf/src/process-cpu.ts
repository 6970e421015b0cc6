import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LoadResult } from './load';

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second, in which /proc reports CPU time (USER_HZ, 100 on Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * The CPU time a process has used so far (user + system, every thread of it), in microseconds,
 * from `/proc/<pid>/stat`; undefined where there is no /proc (not Linux) or the process is gone.
 */
export function processCpuMicros(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return cpuMicrosOfStat(stat, clockTicks());
}

/**
 * utime + stime of a `/proc/<pid>/stat` line in microseconds. The command name (field 2) is in
 * parentheses and may hold spaces, so fields are counted from the last `)`: utime and stime are
 * fields 14 and 15 of the line.
 */
export function cpuMicrosOfStat(stat: string, ticks: number): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1e6) / ticks;
}

/**
 * Runs a load on the process `pid` and adds to its result the CPU time the process used over
 * it, per request answered (left out where /proc cannot tell, or nothing was answered).
 */
export async function withServerCpu(pid: number, run: () => Promise<LoadResult>): Promise<LoadResult> {
  const before = processCpuMicros(pid);
  const measured = await run();
  const after = processCpuMicros(pid);
  return before === undefined || after === undefined || measured.requests === 0
    ? measured
    : { ...measured, serverCpuMicrosPerRequest: (after - before) / measured.requests };
}
