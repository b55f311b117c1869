import type { BarSeries } from '../../workers/market/bar.ts';
import { bundled } from '../helpers/bundled.ts';

/** The bundled real EURUSD H1 bars, through the real importer. */
export function loadEurusd(): BarSeries {
  return bundled('EURUSD');
}
