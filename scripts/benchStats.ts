// Small statistics shared by the benchmarks: medians of rounds, and figures as people read them.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Peak resident memory of this process so far, all threads included, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
