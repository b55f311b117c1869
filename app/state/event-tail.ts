import type { EngineEventOf } from '../../workers/trading/events.ts';
import type { EngineStore } from '../../workers/store/store.ts';

/**
 * The position events no store view keeps (stops and targets at entry, and
 * every later change), read from the store incrementally: the first call
 * reads the record once, later calls only what was appended since. The trade
 * lifecycle and the chart markers need them.
 */
export type AmendedEvent = EngineEventOf<'position.amended'>;
export type OpenedEvent = EngineEventOf<'position.opened'>;

export interface PositionHistory {
  amended: AmendedEvent[];
  opened: Map<string, OpenedEvent>;
}

const PAGE = 5000;
const tails = new WeakMap<EngineStore, { seq: number; history: PositionHistory; reading: Promise<void> | null }>();

export async function positionHistory(store: EngineStore): Promise<PositionHistory> {
  let t = tails.get(store);
  if (!t) tails.set(store, (t = { seq: 0, history: { amended: [], opened: new Map() }, reading: null }));
  const tail = t;
  // One reader at a time: two views asking at once share the same read.
  tail.reading ??= (async () => {
    for (;;) {
      const batch = await store.events.since(tail.seq, PAGE);
      for (const e of batch) {
        if (e.type === 'position.amended') tail.history.amended.push(e);
        else if (e.type === 'position.opened') tail.history.opened.set(e.payload.positionId, e);
      }
      if (batch.length) tail.seq = batch[batch.length - 1].seq;
      if (batch.length < PAGE) break;
    }
  })().finally(() => (tail.reading = null));
  await tail.reading;
  return tail.history;
}

export async function amendments(store: EngineStore): Promise<AmendedEvent[]> {
  return (await positionHistory(store)).amended;
}
