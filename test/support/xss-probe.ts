import type { BrowserContext, Page } from 'playwright-core';

/**
 * Stored-XSS probes for browser tests: payloads that call `window.__xss(n)` when a page renders them
 * as markup, and a context probe that records every such call, every dialog, every CSP violation and
 * every `javascript:` URL found in the page. Each payload carries its field's number, so a hit names
 * the field; rendered as text, the payload shows whole, which `seenPayloads` finds in the page.
 */

/** One stored payload: where it was written and what it reads. */
export interface Probe {
  n: number;
  field: string;
  text: string;
}

export class Payloads {
  readonly probes: Probe[] = [];

  /**
   * A payload for a field of at most `max` characters: as many of the markup forms (an `<img>`
   * error handler, a `<script>`, an attribute break-out into `<svg onload>`, ECharts template
   * placeholders) as fit. `X` is a short alias of `__xss` for fields of 20 characters.
   */
  make(field: string, max: number): string {
    const n = this.probes.length + 1;
    const forms = [
      `X${n}"><svg onload=__xss(${n})><img src=x onerror=__xss(${n})><script>__xss(${n})</script>{b}{c}`,
      `X${n}"><svg onload=__xss(${n})>{b}<img src=x onerror=__xss(${n})>`,
      `X${n}<img src=x onerror=__xss(${n})>{b}`,
      `X${n}<svg onload=__xss(${n})>`,
      `<svg onload=X(${n})>`,
    ];
    const text = forms.find((f) => f.length <= max);
    if (!text) throw new Error(`no payload fits ${field} (${max} characters)`);
    this.probes.push({ n, field, text });
    return text;
  }

  /** A link (http(s) only is accepted by the API) whose query breaks out of an attribute. */
  url(field: string): string {
    const n = this.probes.length + 1;
    const text = `https://example.test/?q="><svg onload=__xss(${n})>`;
    this.probes.push({ n, field, text });
    return text;
  }

  field(n: number): string {
    return this.probes.find((p) => p.n === n)?.field ?? `payload ${n}`;
  }
}

export interface Findings {
  /** A payload ran: `field @ page`. */
  executed: string[];
  dialogs: string[];
  /** The CSP stopped script (or a plugin, frame, base or form target): an injection got into the page, even if it did not run. */
  cspViolations: string[];
  /** Other refusals (fonts, styles, images, connections): the app's own resources, not injections; listed, not failed. */
  otherCsp: string[];
  /** Links or sources that would run script when followed. */
  scriptUrls: string[];
}

/** Directives whose refusal means markup that was not the app's own got into the page. */
const INJECTION_DIRECTIVES = /^(script-src|script-src-elem|script-src-attr|object-src|frame-src|child-src|base-uri|form-action|default-src)$/;

export function emptyFindings(): Findings {
  return { executed: [], dialogs: [], cspViolations: [], otherCsp: [], scriptUrls: [] };
}

/**
 * Installs the probe in a context before any of its pages load: `window.__xss` (and `X`) report
 * through a binding, a CSP violation listener reports through another, dialogs are recorded and
 * dismissed, and Chromium's console reports of CSP refusals are kept too.
 */
export async function installProbe(context: BrowserContext, payloads: Payloads, findings: Findings): Promise<void> {
  await context.exposeBinding('__xssHit', ({ page }, n: unknown) => {
    findings.executed.push(`${payloads.field(Number(n))} (payload ${String(n)}) @ ${page.url()}`);
  });
  await context.exposeBinding('__cspHit', ({ page }, directive: unknown, report: unknown) => {
    const list = INJECTION_DIRECTIVES.test(String(directive)) ? findings.cspViolations : findings.otherCsp;
    list.push(`${String(report)} @ ${page.url()}`);
  });
  await context.addInitScript(() => {
    const w = window as unknown as Record<string, unknown> & { __xssHit(n: unknown): void; __cspHit(d: string, r: string): void };
    w.__xss = (n: unknown) => w.__xssHit(n);
    w.X = w.__xss;
    document.addEventListener(
      'securitypolicyviolation',
      (e) => w.__cspHit(e.effectiveDirective, `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}: ${(e.sample || '').slice(0, 80)}`),
      true,
    );
  });
  const watch = (page: Page) => {
    page.on('dialog', (dialog) => {
      findings.dialogs.push(`${dialog.type()} "${dialog.message()}" @ ${page.url()}`);
      void dialog.dismiss().catch(() => undefined);
    });
    page.on('console', (message) => {
      // Violations the page's listener cannot see (e.g. in workers) still reach the console.
      const text = message.text();
      if (/Content Security Policy/i.test(text)) {
        const directive = /directive:? "([a-z-]+)/i.exec(text)?.[1] ?? '';
        (INJECTION_DIRECTIVES.test(directive) ? findings.cspViolations : findings.otherCsp).push(`console: ${text.slice(0, 200)} @ ${page.url()}`);
      }
    });
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
}

/** Adds every `javascript:`/`vbscript:`/`data:text/html` URL in the page's links, sources and forms. */
export async function scanScriptUrls(page: Page, findings: Findings): Promise<void> {
  const found = await page.evaluate(() => {
    const bad: string[] = [];
    for (const el of document.querySelectorAll('[href], [src], [action], [formaction], [xlink\\:href], iframe[srcdoc]')) {
      for (const name of ['href', 'src', 'action', 'formaction', 'xlink:href']) {
        const value = el.getAttribute(name);
        if (value === null) continue;
        // Browsers ignore ASCII whitespace and control characters in a URL's scheme.
        const scheme = value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
        if (/^(javascript|vbscript):|^data:text\/html/.test(scheme)) bad.push(`<${el.tagName.toLowerCase()} ${name}="${value.slice(0, 80)}">`);
      }
      if (el.hasAttribute('srcdoc')) bad.push(`<iframe srcdoc="${el.getAttribute('srcdoc')!.slice(0, 80)}">`);
    }
    return bad;
  });
  for (const f of found) findings.scriptUrls.push(`${f} @ ${page.url()}`);
}

/**
 * The payloads the page (or `selector`'s element) shows as text, up to the end of their first tag:
 * they reached the page and were escaped (a list may shorten the rest).
 */
export async function seenPayloads(page: Page, payloads: Payloads, selector = 'body'): Promise<Set<number>> {
  const text = await page.evaluate((s) => (document.querySelector(s) as HTMLElement | null)?.innerText ?? '', selector);
  return new Set(payloads.probes.filter((p) => text.includes(p.text.slice(0, p.text.indexOf('>') + 1))).map((p) => p.n));
}
