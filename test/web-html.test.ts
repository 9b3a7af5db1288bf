import { describe, expect, it } from 'vitest';
import { escapeHtml, safeLinkUrl } from '../web/src/shared/html.ts';
import { categoryTooltip, deviceTooltip, type MapTooltipWords, regionTooltip } from '../web/src/screen/tooltips.ts';

/** Text that reaches HTML in the web apps (web/src/shared/html.ts) and the big screen's chart tooltips (web/src/screen/tooltips.ts). */
const ATTACK = '<img src=x onerror=alert(1)>"\'&{b}';
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;{b}';

/** What a browser makes of the markup: the text it shows and the elements it builds. */
function parse(html: string): { text: string; tags: string[] } {
  const tags = [...html.matchAll(/<([a-z]+)[\s/>]/gi)].map((m) => m[1]!.toLowerCase());
  const text = html
    .replace(/<br\/>/g, '\n')
    .replace(/<\/?b>/g, '')
    .replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);
  return { text, tags };
}

const words: MapTooltipWords = { online: '在线', offline: '离线', open: '未办结', today: '今日事件', alarms: '今日告警', cameras: '摄像头' };

describe('escapeHtml', () => {
  it('turns every character that can open markup or leave an attribute into an entity', () => {
    expect(escapeHtml(ATTACK)).toBe(ESCAPED);
    expect(escapeHtml('西阳邱村 1号音柱')).toBe('西阳邱村 1号音柱');
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('safeLinkUrl', () => {
  it('keeps http(s) links and drops any that could run script', () => {
    expect(safeLinkUrl('https://meeting.example.cn/j/123?pwd=a')).toBe('https://meeting.example.cn/j/123?pwd=a');
    expect(safeLinkUrl(' http://10.0.0.2/study ')).toBe('http://10.0.0.2/study');
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', '//evil.example/x', '/relative', 'https://', '', null, undefined]) {
      expect(safeLinkUrl(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('the big screen’s tooltips', () => {
  it('show a device’s name as text, whatever a cadre typed', () => {
    const html = deviceTooltip(ATTACK, true, words);
    expect(html).toBe(`${ESCAPED}<br/>在线`);
    expect(parse(html)).toEqual({ text: `${ATTACK}\n在线`, tags: ['br'] });
    expect(deviceTooltip('村口音柱', false, words)).toBe('村口音柱<br/>离线');
  });

  it('show a region’s name as text with its figures', () => {
    const child = { openCases: 1234, casesToday: 3, alarmsToday: 0, camerasOnline: 2, camerasTotal: 5 };
    const html = regionTooltip(ATTACK, child, words);
    expect(parse(html).tags).toEqual(['b', 'br', 'br', 'br', 'br']);
    expect(parse(html).text).toBe(`${ATTACK}\n未办结：1,234\n今日事件：3\n今日告警：0\n摄像头：2 / 5`);
    expect(regionTooltip('东黑堡村', undefined, words)).toBe('东黑堡村');
    expect(regionTooltip(ATTACK, undefined, words)).toBe(ESCAPED);
  });

  it('escape the words too, and a category’s name in the ring', () => {
    expect(deviceTooltip('a', true, { ...words, online: '<i>on</i>' })).toBe('a<br/>&lt;i&gt;on&lt;/i&gt;');
    expect(categoryTooltip({ name: ATTACK, value: 12, percent: 30 })).toBe(`${ESCAPED}：12（30%）`);
    expect(categoryTooltip({ name: '环境卫生', value: 1500, percent: 33.33 })).toBe('环境卫生：1,500（33.33%）');
  });
});
