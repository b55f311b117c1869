import { describe, expect, it } from 'vitest';
import { createSendPacer, NO_PACING, TELEGRAM_PACING, type PacerClock } from '../../relay/telegram/pacer.ts';

/** A clock the test moves: sleeps resolve when the time reaches them, in the order they were asked. */
function simClock(): PacerClock & { advance(ms: number): Promise<void> } {
  let t = 0;
  const sleepers: { until: number; wake: () => void }[] = [];
  return {
    now: () => t,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ until: t + ms, wake })),
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = sleepers.filter((s) => s.until <= end).sort((a, b) => a.until - b.until)[0];
        if (!due) break;
        sleepers.splice(sleepers.indexOf(due), 1);
        t = Math.max(t, due.until);
        due.wake();
        // Let the woken send run (and book what it books) before the next one wakes.
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
      t = end;
    },
  };
}

function recorder(clock: PacerClock) {
  const sent: { chat: string; text: string; at: number }[] = [];
  const prev = async (_m: string, p: { chat_id?: unknown; text?: string }) => {
    sent.push({ chat: String(p.chat_id), text: String(p.text), at: clock.now() });
    return { ok: true as const, result: true };
  };
  return { sent, prev };
}

describe('send pacer', () => {
  it('sends at once while under the limits: a burst of three to one chat goes in the same instant', async () => {
    const clock = simClock();
    const pace = createSendPacer(TELEGRAM_PACING, clock);
    const { sent, prev } = recorder(clock);
    const go = (chat: number, text: string) => pace(prev as never, 'sendMessage', { chat_id: chat, text } as never);
    const all = [1, 2, 3, 4, 5].map((i) => go(42, `m${i}`));
    await Promise.resolve();
    expect(sent.map((s) => [s.text, s.at])).toEqual([['m1', 0], ['m2', 0], ['m3', 0]]);
    // Then one a second, in order.
    await clock.advance(999);
    expect(sent.length).toBe(3);
    await clock.advance(1);
    expect(sent.map((s) => s.text)).toEqual(['m1', 'm2', 'm3', 'm4']);
    await clock.advance(1000);
    await Promise.all(all);
    expect(sent.map((s) => [s.text, s.at])).toEqual([['m1', 0], ['m2', 0], ['m3', 0], ['m4', 1000], ['m5', 2000]]);
  });

  it('a chat waiting its turn holds no other chat back; a group gets 20 a minute', async () => {
    const clock = simClock();
    const pace = createSendPacer(TELEGRAM_PACING, clock);
    const { sent, prev } = recorder(clock);
    const go = (chat: number, text: string) => pace(prev as never, 'sendMessage', { chat_id: chat, text } as never);
    for (let i = 0; i < 5; i++) void go(42, `a${i}`);
    void go(7, 'other');
    for (let i = 0; i < 4; i++) void go(-100, `g${i}`);
    await Promise.resolve();
    expect(sent.map((s) => s.text)).toEqual(['a0', 'a1', 'a2', 'other', 'g0', 'g1', 'g2']);
    await clock.advance(3000);
    expect(sent.filter((s) => s.chat === '-100').map((s) => [s.text, s.at])).toEqual([['g0', 0], ['g1', 0], ['g2', 0], ['g3', 3000]]);
  });

  it('at most about 30 a second across chats', async () => {
    const clock = simClock();
    const pace = createSendPacer(TELEGRAM_PACING, clock);
    const { sent, prev } = recorder(clock);
    for (let i = 0; i < 40; i++) void pace(prev as never, 'sendMessage', { chat_id: 1000 + i, text: `c${i}` } as never);
    await Promise.resolve();
    expect(sent.length).toBe(30);
    await clock.advance(1000);
    expect(sent.length).toBe(40);
    // No one-second window holds more than 30 (Telegram's bot-wide limit) — checked over every send.
    for (const s of sent) expect(sent.filter((x) => x.at >= s.at && x.at < s.at + 1000).length).toBeLessThanOrEqual(30);
  });

  it('leaves calls without a chat alone, and with no pacing never waits', async () => {
    const clock = simClock();
    const { sent, prev } = recorder(clock);
    const paced = createSendPacer(TELEGRAM_PACING, clock);
    for (let i = 0; i < 10; i++) void paced(prev as never, 'getMe', {} as never);
    const free = createSendPacer(NO_PACING, clock);
    for (let i = 0; i < 100; i++) void free(prev as never, 'sendMessage', { chat_id: 42, text: `f${i}` } as never);
    await Promise.resolve();
    expect(sent.length).toBe(110);
  });
});
