/** A V8 CPU profile as `node --cpu-prof` writes it (the fields read here). */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly children?: readonly number[];
  }>;
  /** µs on the monotonic clock. */
  readonly startTime: number;
  readonly endTime: number;
  /** The node each sample fell in, and the µs since the sample before it. */
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Share {
  readonly name: string;
  readonly ms: number;
  /** Of the busy time (every sample but idle). */
  readonly share: number;
}

export interface ProfileSummary {
  readonly sampledMs: number;
  readonly busyMs: number;
  readonly idleMs: number;
  /** Self time by where the code lives: a package, Node.js itself, the service's own files, V8. */
  readonly selfByPart: readonly Share[];
  /** Time with a part anywhere on the stack (what it costs with everything it calls). */
  readonly totalByPart: readonly Share[];
  /** The functions with the most self time. */
  readonly topFrames: readonly Share[];
}

const SPECIAL: Readonly<Record<string, string>> = {
  '(garbage collector)': '(garbage collection)',
  '(program)': '(V8 and native code outside JavaScript)',
  '(root)': '(V8 and native code outside JavaScript)',
};

/**
 * Where a function lives: `node_modules/<package>` (scoped or not, the innermost one),
 * `node:<module>` for Node.js's own JavaScript, `app:<path>` for the service's and the
 * workspace's files, `(native)` for V8 builtins (JSON.stringify, a RegExp), and V8's own
 * entries for idle time, garbage collection and the rest.
 */
export function partOf(callFrame: { functionName: string; url: string }): string {
  const { functionName, url } = callFrame;
  if (functionName === '(idle)') return '(idle)';
  if (SPECIAL[functionName]) return SPECIAL[functionName];
  if (url === '') return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (url.startsWith('node:')) return 'node: internals';
  const dist = url.indexOf('/dist/');
  const path = url.replace(/^file:\/\//, '');
  return `app: ${dist >= 0 ? url.slice(dist + '/dist/'.length) : path}`;
}

/**
 * Self time and time on the stack by part, and the top frames, of the samples taken between
 * `from` and `to` (µs on the profile's clock; the whole profile when not given).
 */
export function summarizeProfile(
  profile: CpuProfile,
  window: { from?: number; to?: number } = {},
  top = 25,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const frames = new Map<string, number>();
  let time = profile.startTime;
  let sampled = 0;
  let idle = 0;
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    if ((window.from !== undefined && time < window.from) || (window.to !== undefined && time > window.to)) continue;
    // A sample stands for the time until the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    sampled += us;
    const part = partOf(node.callFrame);
    if (part === '(idle)') {
      idle += us;
      continue;
    }
    add(self, part, us);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${shortUrl(url)}:${lineNumber + 1}`;
    add(frames, `${functionName || '(anonymous)'}${where}`, us);
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id);
      if (frame && frame.callFrame.functionName !== '(root)') onStack.add(partOf(frame.callFrame));
    }
    for (const name of onStack) add(total, name, us);
  }
  const busy = sampled - idle;
  const shares = (map: Map<string, number>, limit = Infinity): Share[] =>
    [...map.entries()]
      .sort(([, a], [, b]) => b - a)
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busy > 0 ? us / busy : 0 }));
  return {
    sampledMs: sampled / 1000,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    selfByPart: shares(self),
    totalByPart: shares(total),
    topFrames: shares(frames, top),
  };
}

/** A frame's file, from its package or the workspace's dist folder on. */
function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + '/dist/'.length) : url.replace(/^file:\/\//, '');
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

/** The summary as Markdown tables. */
export function profileTables(summary: ProfileSummary, minShare = 0.002): string[] {
  const lines = [
    `Sampled ${(summary.sampledMs / 1000).toFixed(1)} s: busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s. Shares are of the busy time.`,
    '',
    '| part | self ms | self share | on the stack share |',
    '|---|---:|---:|---:|',
  ];
  const total = new Map(summary.totalByPart.map((s) => [s.name, s.share]));
  for (const part of summary.selfByPart) {
    if (part.share < minShare) continue;
    lines.push(`| ${part.name} | ${part.ms.toFixed(0)} | ${pct(part.share)} | ${pct(total.get(part.name) ?? 0)} |`);
  }
  lines.push('', '| top frames (self time) | self ms | share |', '|---|---:|---:|');
  for (const frame of summary.topFrames) {
    lines.push(`| \`${frame.name.replace(/\|/g, '\\|')}\` | ${frame.ms.toFixed(0)} | ${pct(frame.share)} |`);
  }
  return lines;
}
