/**
 * The fake Telegram Bot API (tests/telegram/fake-bot-api.ts) in its own thread
 * for bench/telegram.bench.ts: the time it records for a sendMessage is taken
 * on another event loop than the engine's, as Telegram's would be. Times are
 * sent as epoch ms (timeOrigin + now) plus the offset found by `ping`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FakeBotApi } from '../tests/telegram/fake-bot-api.ts';

const port = parentPort!;
const fake = await FakeBotApi.start((workerData as { token: string }).token);
const epoch = (t: number) => performance.timeOrigin + t;
port.on('message', (m: { kind: 'ping' | 'sends' | 'close' }) => {
  if (m.kind === 'ping') port.postMessage({ kind: 'pong', at: epoch(performance.now()) });
  else if (m.kind === 'sends') {
    const sends = fake.callsOf('sendMessage').map((c) => ({ at: epoch(c.at), text: String(c.params.text), status: c.status }));
    fake.calls.length = 0;
    port.postMessage({ kind: 'sends', sends });
  } else void fake.close().then(() => process.exit(0));
});
port.postMessage({ kind: 'ready', apiRoot: fake.apiRoot });
