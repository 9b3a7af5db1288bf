import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Node 20 is end-of-life: the npm scripts run on the maintained LTS the `node` dependency ships. */
describe('runtime', () => {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const pinnedMajor = Number(/\d+/.exec(manifest.dependencies.node ?? '')?.[0]);

  it('pins a maintained LTS line (22 or 24) as the `node` dependency', () => {
    expect([22, 24]).toContain(pinnedMajor);
  });

  // `npm test` reaches vitest through node_modules/.bin, where the `node` package's binary comes first.
  it('runs the suite on that Node, not on the machine’s own', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(pinnedMajor);
  });
});
