/**
 * Identification on a labelled face set with the real gallery: closed set (every person with
 * two or more pictures enrolled from the first, queried with the rest) and open set (half of
 * those people enrolled; the other half, and people with one picture, must come back Unknown).
 */
import { Gallery } from '../gallery';

export interface LabelledEmbedding {
  person: string;
  source: string;
  embedding: Float32Array;
}

export interface ClosedSetResult {
  identities: number;
  queries: number;
  rank1: number;
  rank5: number;
}

export interface OpenSetResult {
  threshold: number;
  enrolledIdentities: number;
  /** Queries of enrolled people answered with the right label (at or above the threshold). */
  enrolledQueries: number;
  found: number;
  /** Queries of people not enrolled answered Unknown. */
  strangerQueries: number;
  rejected: number;
}

function byPerson(samples: readonly LabelledEmbedding[]): Map<string, LabelledEmbedding[]> {
  const groups = new Map<string, LabelledEmbedding[]>();
  for (const s of samples) {
    const list = groups.get(s.person) ?? [];
    list.push(s);
    groups.set(s.person, list);
  }
  for (const list of groups.values()) list.sort((a, b) => a.source.localeCompare(b.source));
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

async function enroll(people: [string, LabelledEmbedding[]][]): Promise<Gallery> {
  const gallery = await Gallery.open(':memory:');
  await gallery.addMany(people.map(([person, list]) => ({ label: person, embedding: list[0].embedding, meta: { source: list[0].source } })));
  return gallery;
}

export async function closedSet(samples: readonly LabelledEmbedding[]): Promise<ClosedSetResult> {
  const people = [...byPerson(samples)].filter(([, list]) => list.length >= 2);
  const gallery = await enroll(people);
  try {
    let queries = 0;
    let rank1 = 0;
    let rank5 = 0;
    for (const [person, list] of people) {
      for (const query of list.slice(1)) {
        const ranked = gallery.match(query.embedding, { k: 5, threshold: -1 });
        queries++;
        if (ranked[0]?.label === person) rank1++;
        if (ranked.some((m) => m.label === person)) rank5++;
      }
    }
    return { identities: people.length, queries, rank1: rank1 / queries, rank5: rank5 / queries };
  } finally {
    await gallery.close();
  }
}

/** Every other person (sorted by name) with two or more pictures is enrolled; the rest are strangers. */
export function openSetSplit(samples: readonly LabelledEmbedding[]): { enrolled: [string, LabelledEmbedding[]][]; strangers: LabelledEmbedding[] } {
  const enrolled: [string, LabelledEmbedding[]][] = [];
  const strangers: LabelledEmbedding[] = [];
  let i = 0;
  for (const [person, list] of byPerson(samples)) {
    if (list.length >= 2 && i++ % 2 === 0) enrolled.push([person, list]);
    else strangers.push(...list);
  }
  return { enrolled, strangers };
}

/** Best similarity and label of each query, computed once so thresholds can be swept cheaply. */
export interface OpenSetScores {
  enrolled: { similarity: number; correct: boolean }[];
  strangers: number[];
  identities: number;
}

export async function openSetScores(samples: readonly LabelledEmbedding[]): Promise<OpenSetScores> {
  const split = openSetSplit(samples);
  const gallery = await enroll(split.enrolled);
  try {
    const enrolled = split.enrolled.flatMap(([person, list]) =>
      list.slice(1).map((q) => {
        const [best] = gallery.match(q.embedding, { k: 1, threshold: -1 });
        return { similarity: best.similarity, correct: best.label === person };
      }),
    );
    const strangers = split.strangers.map((q) => gallery.match(q.embedding, { k: 1, threshold: -1 })[0].similarity);
    return { enrolled, strangers, identities: split.enrolled.length };
  } finally {
    await gallery.close();
  }
}

export function openSetAt(scores: OpenSetScores, threshold: number): OpenSetResult {
  return {
    threshold,
    enrolledIdentities: scores.identities,
    enrolledQueries: scores.enrolled.length,
    found: scores.enrolled.filter((q) => q.correct && q.similarity >= threshold).length / scores.enrolled.length,
    strangerQueries: scores.strangers.length,
    rejected: scores.strangers.filter((s) => s < threshold).length / scores.strangers.length,
  };
}

/** The threshold (on a 0.005 grid) with the best mean of found and rejected rates. */
export function balancedThreshold(scores: OpenSetScores): OpenSetResult {
  let best = openSetAt(scores, 0);
  for (let t = 0; t <= 1; t += 0.005) {
    const r = openSetAt(scores, Math.round(t * 1000) / 1000);
    if (r.found + r.rejected > best.found + best.rejected) best = r;
  }
  return best;
}
