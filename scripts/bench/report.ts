import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/** The machine a benchmark ran on, for the record beside its numbers. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Replaces (or appends) the section `## title` of docs/benchmarks.md with `body`. */
export function writeSection(title: string, body: string, file = 'docs/benchmarks.md'): void {
  const header = '# Benchmarks\n\nEach section is written by its `npm run bench:*` script; rerun it to refresh.\n';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const heading = `## ${title}`;
  const section = `${heading}\n\n${body.trim()}\n`;
  const start = text.indexOf(heading);
  let next: string;
  if (start === -1) {
    next = `${text.trimEnd()}\n\n${section}`;
  } else {
    const after = text.indexOf('\n## ', start + heading.length);
    next = `${text.slice(0, start)}${section}${after === -1 ? '' : `\n${text.slice(after + 1)}`}`;
  }
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}
