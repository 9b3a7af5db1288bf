/**
 * One `Range: bytes=…` request header (RFC 9110 §14), for serving files that players and
 * devices stream. Several ranges, other units or a malformed header are ignored (the whole
 * file is served, as the RFC allows); a range that starts past the end cannot be satisfied.
 */
export type ByteRange = { start: number; end: number } | 'unsatisfiable' | undefined;

const SPEC = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i;

export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (!header) return undefined;
  const match = SPEC.exec(header);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
