import type { ModelManifest } from '../../../workers/models/bundle/manifest.ts';
import type { StoredBarsInfo } from '../../../workers/store/store.ts';
import { utcMinute } from '../../../workers/util/utc-text.ts';

/**
 * What a model learned from and what that means for the bars here: its
 * training window and held-out window as the manifest records them, and
 * whether the stored bars it would run on (the replay's, in the demo) start
 * after its training ended (out-of-sample) or inside it. Nothing is assumed:
 * every date comes from the manifest and the store.
 */
export interface TrainingNote {
  /** 'YYYY-MM-DD HH:mm → YYYY-MM-DD HH:mm' UTC. */
  trained: string;
  /** The held-out window its metrics were measured on, when the manifest says. */
  tested: string | null;
  /** One line per stored series of the model's symbols and timeframe. */
  replay: { series: string; outOfSample: boolean; text: string }[];
}

const when = (iso: string) => utcMinute(Date.parse(iso));

export function trainingNote(m: Pick<ModelManifest, 'training' | 'symbols' | 'timeframe'>, stored: readonly StoredBarsInfo[]): TrainingNote {
  const t = m.training;
  const trainedTo = Date.parse(t.to);
  const replay = stored
    .filter((s) => s.timeframe === m.timeframe && m.symbols.includes(s.symbol))
    .map((s) => {
      const series = `${s.symbol} ${s.timeframe}`;
      const outOfSample = s.first > trainedTo;
      return {
        series,
        outOfSample,
        text: outOfSample
          ? `The ${series} bars here (the replay's) start at ${utcMinute(s.first)} UTC, after its training window ends: what it does on them is out-of-sample.`
          : `The ${series} bars here start at ${utcMinute(s.first)} UTC, inside its training window: on bars up to ${utcMinute(trainedTo)} it is seen on data it learned from (in-sample).`,
      };
    });
  return {
    trained: `${when(t.from)} → ${when(t.to)} UTC`,
    tested: t.testFrom ? `${when(t.testFrom)} → ${t.testTo ? when(t.testTo) : 'the end of the data'} UTC` : null,
    replay,
  };
}
