/**
 * For the few places where text must become markup (ECharts' HTML tooltips): people's input (device,
 * village, category names…) is escaped, so it shows as text and never runs as script. Everywhere
 * else the pages bind text (`{{ }}`, `textContent`), which needs nothing. Pure (no imports), unit-tested.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * A link typed by someone (a study material's URL, an online meeting's address) as an href: only
 * http(s), so a `javascript:` or `data:` link cannot run script when followed; undefined otherwise.
 */
export function safeLinkUrl(value: string | null | undefined): string | undefined {
  const text = value?.trim() ?? '';
  if (!/^https?:\/\//i.test(text)) return undefined;
  try {
    new URL(text);
    return text;
  } catch {
    return undefined;
  }
}
