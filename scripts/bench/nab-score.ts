/**
 * NAB scoring (../shared/bench/nab-dev/README.md; numenta/NAB's sweeper): every point after the
 * probation gets a detector score in [0, 1]; one threshold per profile for the whole corpus, the one
 * that maximises the raw total; normalised against a detector that never fires and a perfect one.
 */
export interface Profile {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
}

export interface NabSeries {
  name: string;
  /** Scores in [0, 1], one per point. */
  scores: number[];
  /** Windows as inclusive point indices [left, right], in order. */
  windows: [number, number][];
}

/** NAB's scaled sigmoid. */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

export const probationOf = (length: number) => Math.min(Math.floor(0.15 * length), 750);

interface Candidate {
  score: number;
  /** Index into `windowsAll` for a point inside a window, -1 outside. */
  window: number;
  index: number;
  /** Its weight if it is the first detection in its window (TP), or its cost (FP, negative). */
  value: number;
}

export interface ProfileResult {
  threshold: number;
  raw: number;
  normalised: number;
  tp: number;
  fp: number;
  fn: number;
}

/** The best threshold and score of one profile over the corpus: an exact sweep over every score value. */
export function scoreCorpus(series: NabSeries[], profile: Profile): ProfileResult {
  const maxTp = scaledSigmoid(-1);
  const candidates: Candidate[] = [];
  let windowCount = 0;
  for (const s of series) {
    const probation = probationOf(s.scores.length);
    let w = 0;
    for (let i = probation; i < s.scores.length; i++) {
      while (w < s.windows.length && i > s.windows[w]![1]) w++;
      const inside = w < s.windows.length && i >= s.windows[w]![0] && i <= s.windows[w]![1];
      let value: number;
      let window = -1;
      if (inside) {
        const [left, right] = s.windows[w]!;
        const width = right - left + 1;
        value = (profile.tpWeight * scaledSigmoid(-(right - i + 1) / width)) / maxTp;
        window = windowCount + w;
      } else if (w === 0) {
        value = -profile.fpWeight;
      } else {
        const [left, right] = s.windows[w - 1]!;
        const width = right - left + 1;
        value = profile.fpWeight * scaledSigmoid(Math.abs(i - right) / (width - 1));
      }
      candidates.push({ score: s.scores[i]!, window, index: i, value });
    }
    windowCount += s.windows.length;
  }
  candidates.sort((a, b) => b.score - a.score);
  const earliest = new Map<number, Candidate>();
  const nullScore = -profile.fnWeight * windowCount;
  let tpSum = 0;
  let fpSum = 0;
  let fpCount = 0;
  let best: ProfileResult = { threshold: 1.0000001, raw: nullScore, normalised: 0, tp: 0, fp: 0, fn: windowCount };
  for (let k = 0; k < candidates.length; ) {
    const score = candidates[k]!.score;
    for (; k < candidates.length && candidates[k]!.score === score; k++) {
      const c = candidates[k]!;
      if (c.window < 0) {
        fpSum += c.value;
        fpCount++;
        continue;
      }
      const first = earliest.get(c.window);
      if (!first) {
        earliest.set(c.window, c);
        tpSum += c.value;
      } else if (c.index < first.index) {
        earliest.set(c.window, c);
        tpSum += c.value - first.value;
      }
    }
    const raw = tpSum + fpSum - profile.fnWeight * (windowCount - earliest.size);
    if (raw > best.raw) best = { threshold: score, raw, normalised: 0, tp: earliest.size, fp: fpCount, fn: windowCount - earliest.size };
  }
  const perfect = profile.tpWeight * windowCount;
  best.normalised = (100 * (best.raw - nullScore)) / (perfect - nullScore);
  return best;
}
