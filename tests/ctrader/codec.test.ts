import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, nameOfPayloadType, payloadTypeOf, CTraderFrameError } from '../../workers/brokers/ctrader/codec.ts';
import { FrameSplitter, lengthPrefixed } from '../../workers/brokers/ctrader/framing.ts';
import { decodeTrendbar, encodeTrendbar } from '../../workers/brokers/ctrader/trendbars.ts';
import { symbolFromWire, toWireVolume } from '../../workers/brokers/ctrader/symbols.ts';
import { explainError, redact } from '../../workers/brokers/ctrader/errors.ts';
import { money } from '../../workers/brokers/ctrader/ctrader-broker.ts';
import { wireClientOrderId } from '../../workers/brokers/ctrader/wire-ids.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('cTrader codec', () => {
  it('writes the exact bytes of Spotware SDK frames (app auth, heartbeat)', () => {
    // Byte-exact frames checked against the official SDKs (shared/notes/brokers.md A1).
    expect(hex(lengthPrefixed(encodeMessage('ProtoOAApplicationAuthReq', { clientId: 'id', clientSecret: 'sec' }, 'c1')))).toBe('0000001208b4101209120269641a037365631a026331');
    expect(hex(lengthPrefixed(encodeMessage('ProtoHeartbeatEvent', {})))).toBe('0000000408331200');
  });

  it('maps payload types from the schema', () => {
    expect(payloadTypeOf('ProtoOANewOrderReq')).toBe(2106);
    expect(payloadTypeOf('ProtoOAGetAccountListByAccessTokenReq')).toBe(2149);
    expect(nameOfPayloadType(2165)).toBe('ProtoOASubscribeLiveTrendbarRes');
    expect(nameOfPayloadType(50)).toBe('ProtoErrorRes');
    expect(nameOfPayloadType(51)).toBe('ProtoHeartbeatEvent');
    expect(() => payloadTypeOf('ProtoOANoSuchReq')).toThrow(/unknown cTrader message/);
  });

  it('round-trips a new order and reads retryAfter', () => {
    const m = decodeMessage(encodeMessage('ProtoOANewOrderReq', { ctidTraderAccountId: 7, symbolId: 1, orderType: 1, tradeSide: 2, volume: 100000, relativeStopLoss: 150, clientOrderId: 'a:EURUSD:1:E' }, 'x9'));
    expect(m).toMatchObject({ payloadType: 2106, name: 'ProtoOANewOrderReq', clientMsgId: 'x9', payload: { ctidTraderAccountId: 7, volume: 100000, relativeStopLoss: 150, tradeSide: 2 } });
    expect(decodeMessage(encodeMessage('ProtoOAErrorRes', { errorCode: 'REQUEST_FREQUENCY_EXCEEDED', retryAfter: 2 })).payload.retryAfter).toBe(2);
  });

  it('names what is wrong with a malformed frame', () => {
    expect(() => decodeMessage(new Uint8Array([0x0a, 0xff, 0xff]))).toThrow(CTraderFrameError);
    // A valid envelope whose payload is not the message it claims to be.
    const bad = encodeMessage('ProtoHeartbeatEvent', {});
    const env = decodeMessage(lengthPrefixed(bad).subarray(4));
    expect(env.name).toBe('ProtoHeartbeatEvent');
    const lying = new Uint8Array([0x08, 0xca, 0x10, 0x12, 0x03, 0x0a, 0xff, 0xff]); // 2122 TraderRes with a broken payload
    expect(() => decodeMessage(lying)).toThrow(/payload of ProtoOATraderRes .* does not decode/);
    expect(decodeMessage(encodeMessage('ProtoOAVersionReq', {})).name).toBe('ProtoOAVersionReq');
    expect(() => encodeMessage('ProtoOANewOrderReq', { volume: 'lots' })).toThrow(/cannot encode ProtoOANewOrderReq: ctidTraderAccountId: integer/);
  });
});

describe('TCP framing', () => {
  const frames = [encodeMessage('ProtoHeartbeatEvent', {}), encodeMessage('ProtoOAVersionRes', { version: '91' }, 'c7'), encodeMessage('ProtoOASpotEvent', { ctidTraderAccountId: 1, symbolId: 2, bid: 110000, ask: 110002 })];
  const stream = Buffer.concat(frames.map((f) => Buffer.from(lengthPrefixed(f))));

  it('splits coalesced chunks and rejoins partial ones, at every cut', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = new FrameSplitter();
      const out = [...s.push(stream.subarray(0, cut)), ...s.push(stream.subarray(cut))];
      expect(out.map(hex)).toEqual(frames.map(hex));
      expect(s.pending).toBe(0);
    }
    const s = new FrameSplitter();
    const out: Uint8Array[] = [];
    for (const b of stream) out.push(...s.push(new Uint8Array([b])));
    expect(out.map((f) => decodeMessage(f).name)).toEqual(['ProtoHeartbeatEvent', 'ProtoOAVersionRes', 'ProtoOASpotEvent']);
  });

  it('rejects an absurd length with a clear error', () => {
    const s = new FrameSplitter();
    expect(() => s.push(new Uint8Array([0x48, 0x54, 0x54, 0x50, 0x2f]))).toThrow(/frame length 1213486160 bytes exceeds .* not the cTrader protobuf port/);
  });
});

describe('units', () => {
  const spec = symbolFromWire('EURUSD', { symbolId: 1, digits: 5, pipPosition: 4, lotSize: 10_000_000, minVolume: 100_000, stepVolume: 100_000, maxVolume: 1e10 });

  it('maps ProtoOASymbol to the instrument rules (volumes in cents of a unit)', () => {
    expect(spec.spec).toEqual({ symbol: 'EURUSD', digits: 5, pipSize: 0.0001, lotUnits: 100_000, minVolumeUnits: 1000, volumeStepUnits: 1000 });
    expect(toWireVolume(spec, 12_000)).toEqual({ volume: 1_200_000 });
    expect(toWireVolume(spec, 500)).toEqual({ problem: "volume 500 units is below EURUSD's minimum of 1000 units at this broker" });
    expect(toWireVolume(spec, 1500)).toMatchObject({ problem: expect.stringMatching(/not a multiple of EURUSD's step of 1000 units/) });
  });

  it('decodes trendbar deltas in 1/100000, clamping a zero deltaHigh', () => {
    const bar = { time: Date.UTC(2024, 0, 2, 10), open: 1.10012, high: 1.1009, low: 1.0995, close: 1.10071, volume: 42 };
    const wire = encodeTrendbar(bar, 9);
    expect(wire).toMatchObject({ low: 109950, deltaOpen: 62, deltaHigh: 140, deltaClose: 121, utcTimestampInMinutes: bar.time / 60000 });
    expect(decodeTrendbar(wire, spec.spec)).toEqual(bar);
    expect(decodeTrendbar({ ...wire, deltaHigh: 0, deltaClose: 0 }, spec.spec).high).toBe(1.10012);
    expect(decodeTrendbar({ ...wire, deltaHigh: 0 }, spec.spec).high).toBe(1.10071);
    // A live bar without a close takes the last bid.
    expect(decodeTrendbar({ ...wire, deltaClose: undefined }, spec.spec, 1.1003).close).toBe(1.1003);
  });

  it('scales money by moneyDigits', () => {
    expect(money(10053099944, 8)).toBe(10053);
    expect(money(1234567, 2)).toBe(1234567);
    expect(money(5, 0)).toBe(500);
    expect(money(1234, undefined)).toBe(1234);
  });

  it('keeps client order ids within cTrader\'s 50 characters, stably', () => {
    expect(wireClientOrderId('a1:EURUSD:1700000000000:E')).toBe('a1:EURUSD:1700000000000:E');
    const long = 'an-agent-with-a-rather-long-name:EURUSD:1700000000000:E';
    expect(wireClientOrderId(long)).toBe(wireClientOrderId(long));
    expect(wireClientOrderId(long).length).toBeLessThanOrEqual(50);
    expect(wireClientOrderId(long)).not.toBe(wireClientOrderId(long + '2'));
  });

  it('explains errors and redacts secrets', () => {
    expect(explainError('NOT_ENOUGH_MONEY')).toMatch(/^NOT_ENOUGH_MONEY: not enough free margin/);
    expect(explainError('CH_CLIENT_AUTH_FAILURE')).toMatch(/check the client id and secret at openapi\.ctrader\.com/);
    expect(explainError('SOMETHING_NEW', 'x')).toBe('SOMETHING_NEW: cTrader reported an error (cTrader: x)');
    expect(redact('token=abcd1234 ok', ['abcd1234'])).toBe('token=[redacted 8 chars] ok');
  });
});
