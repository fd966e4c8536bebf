// Network namespace files are named after the process that made them
// (netns-<pid>-<start time>-<random>): until a record names one, it belongs to that
// process, and once that process is gone it is an orphan (src/engine/orphans.ts). Kept
// under 40 characters, as the helper's pid, log and socket files are named after it.

export function netnsName(pid: number, startTime: string, random: string): string {
  return `netns-${pid}-${startTime}-${random}`;
}

/** The maker a namespace file name gives (undefined for names of older builds). */
export function netnsCreator(name: string): { pid: number; startTime: string } | undefined {
  const m = /^netns-(\d+)-(\d+)-[0-9a-f]+$/.exec(name);
  return m ? { pid: Number(m[1]), startTime: m[2]! } : undefined;
}
