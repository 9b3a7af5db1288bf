import { describe, expect, it } from 'vitest';
import { dayWindow, localDateTime, monthOf, monthWindow, ranked, toCsv, villageCodeOf } from './points-model.js';

describe('points helpers', () => {
  it('months and days are China time', () => {
    expect(monthWindow('2031-03')).toEqual({ start: new Date('2031-02-28T16:00:00Z'), end: new Date('2031-03-31T16:00:00Z') });
    expect(monthWindow('2031-12').end).toEqual(new Date('2031-12-31T16:00:00Z'));
    expect(monthOf(new Date('2031-03-31T16:10:00Z'))).toBe('2031-04');
    expect(monthOf(new Date('2031-03-31T15:59:59Z'))).toBe('2031-03');
    expect(dayWindow('2031-03-20')).toEqual({ start: new Date('2031-03-19T16:00:00Z'), end: new Date('2031-03-20T16:00:00Z') });
    expect(localDateTime(new Date('2031-03-31T16:10:05Z'))).toBe('2031-04-01 00:10:05');
  });

  it('finds the village in a region path', () => {
    expect(villageCodeOf('/130631/130631202/130631202206/13063120220601/')).toBe('130631202206');
    expect(villageCodeOf('/130631/130631202/130631202206/')).toBe('130631202206');
    expect(villageCodeOf('/130631/130631202/')).toBeNull();
  });

  it('ranks ties together (1, 1, 3)', () => {
    expect(ranked([{ points: 9 }, { points: 6 }, { points: 6 }, { points: 2 }]).map((r) => r.rank)).toEqual([1, 2, 2, 4]);
    expect(ranked([])).toEqual([]);
  });

  it('writes CSV that Excel opens: BOM, CRLF, quoting, no formulas from text', () => {
    const csv = toCsv(['姓名', '积分', '事由'], [['张三', -10, '虚假上报, 经核实'], ['=HYPERLINK("x")', 5, null], ['李"四"', 0, '+1']]);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.subarray(3).toString('utf8')).toBe(
      '姓名,积分,事由\r\n张三,-10,"虚假上报, 经核实"\r\n"\'=HYPERLINK(""x"")",5,\r\n"李""四""",0,"\'+1"\r\n',
    );
  });
});
