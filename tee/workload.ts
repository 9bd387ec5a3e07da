/**
 * The inference workload that runs inside the TEE: a deterministic extractive summariser of chat
 * messages. Real work on the real plaintext (tokenise, score sentences by term frequency, keep the
 * top ones in their original order). A real model endpoint can implement `InferenceBackend` too.
 */
export interface ChatMessage {
  from: string;
  text: string;
}

export interface InferenceBackend {
  readonly name: string;
  summarise(messages: readonly ChatMessage[], maxSentences: number): string;
}

const STOP = new Set(
  'a an and are as at be but by for from has have i if in is it its me my no not of on or our so that the their them they this to was we were what when which who will with you your'.split(' '),
);

function words(s: string): string[] {
  return s.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

/** Extractive summary: the `maxSentences` highest-scoring sentences, in the order they were said. */
export const extractiveSummariser: InferenceBackend = {
  name: 'extractive-tf',
  summarise(messages, maxSentences) {
    const sentences: { text: string; order: number; terms: string[] }[] = [];
    for (const m of messages) {
      for (const raw of m.text.split(/(?<=[.!?])\s+/)) {
        const text = raw.trim();
        if (text) sentences.push({ text: `${m.from}: ${text}`, order: sentences.length, terms: words(text).filter((w) => !STOP.has(w)) });
      }
    }
    const tf = new Map<string, number>();
    for (const s of sentences) for (const t of s.terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    const scored = sentences.map((s) => ({
      ...s,
      score: s.terms.length === 0 ? 0 : s.terms.reduce((acc, t) => acc + (tf.get(t) ?? 0), 0) / Math.sqrt(s.terms.length),
    }));
    scored.sort((a, b) => b.score - a.score || a.order - b.order);
    return scored
      .slice(0, Math.max(1, maxSentences))
      .sort((a, b) => a.order - b.order)
      .map((s) => s.text)
      .join(' ');
  },
};
