/**
 * The enum values the client and the fake server share are hand-written
 * constants; both sides using the same wrong number would pass every other
 * test. Here each one is checked against the enums of Spotware's .proto files,
 * as compiled into the descriptor the codec loads.
 */
import { describe, expect, it } from 'vitest';
import descriptor from '../../workers/brokers/ctrader/proto/openapi.generated.json' with { type: 'json' };
import * as W from '../../workers/brokers/ctrader/wire-types.ts';
import { PERIOD } from '../../workers/brokers/ctrader/trendbars.ts';
import { EXPLAINED_CODES } from '../../workers/brokers/ctrader/errors.ts';

const nested = (descriptor as unknown as { root: { nested: Record<string, { values?: Record<string, number> }> } }).root.nested;

function protoEnum(name: string): Record<string, number> {
  const values = nested[name]?.values;
  if (!values) throw new Error(`the descriptor has no enum ${name}`);
  return values;
}

/** The constant's names and numbers as the proto enum spells them (some proto names carry a prefix the constant drops). */
function asProto(table: Record<string, number>, prefix = ''): Record<string, number> {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [prefix + k, v]));
}

describe('wire constants agree with the .proto enums', () => {
  const cases: [string, Record<string, number>, string, string?][] = [
    ['SIDE', W.SIDE, 'ProtoOATradeSide'],
    ['ORDER_TYPE', W.ORDER_TYPE, 'ProtoOAOrderType'],
    ['ORDER_STATUS', W.ORDER_STATUS, 'ProtoOAOrderStatus', 'ORDER_STATUS_'],
    ['POSITION_STATUS', W.POSITION_STATUS, 'ProtoOAPositionStatus', 'POSITION_STATUS_'],
    ['DEAL_STATUS', W.DEAL_STATUS, 'ProtoOADealStatus'],
    ['EXEC', W.EXEC, 'ProtoOAExecutionType'],
    ['PERMISSION_SCOPE', W.PERMISSION_SCOPE, 'ProtoOAClientPermissionScope', 'SCOPE_'],
    ['PERIOD', PERIOD, 'ProtoOATrendbarPeriod'],
  ];
  for (const [name, table, protoName, prefix] of cases) {
    it(`${name} = ${protoName}`, () => {
      const proto = protoEnum(protoName);
      const mine = asProto(table, prefix);
      expect(Object.keys(mine).length).toBeGreaterThan(0);
      // Every name the code uses exists in the enum with the same number.
      expect(mine).toEqual(Object.fromEntries(Object.keys(mine).map((k) => [k, proto[k]])));
    });
  }

  it('the heartbeat payload type is ProtoPayloadType.HEARTBEAT_EVENT', () => {
    expect(W.HEARTBEAT_EVENT).toBe(protoEnum('ProtoPayloadType').HEARTBEAT_EVENT);
  });

  it('every error code with advice is a code cTrader can send', () => {
    const known = new Set([...Object.keys(protoEnum('ProtoOAErrorCode')), ...Object.keys(protoEnum('ProtoErrorCode'))]);
    expect(EXPLAINED_CODES.filter((c) => !known.has(c))).toEqual([]);
    expect(EXPLAINED_CODES).toContain('ALREADY_SUBSCRIBED');
  });

  it('catches a wrong constant', () => {
    // The check above is not vacuous: a shifted value or a misspelt name shows up.
    const proto = protoEnum('ProtoOAExecutionType');
    const wrong = asProto({ ...W.EXEC, ORDER_FILLED: 4 });
    expect(wrong).not.toEqual(Object.fromEntries(Object.keys(wrong).map((k) => [k, proto[k]])));
    const misspelt = asProto({ ORDER_FILL: 3 });
    expect(misspelt).not.toEqual(Object.fromEntries(Object.keys(misspelt).map((k) => [k, proto[k]])));
  });
});
