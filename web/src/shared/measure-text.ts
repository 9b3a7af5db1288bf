/**
 * A text's box in a font, as the browser will draw it: the advance width and the font's own
 * ascent + descent (what an SVG <text>'s box spans), so map labels can be laid out before they are drawn.
 */
let context: CanvasRenderingContext2D | null = null;

export function measureText(text: string, fontSize: number, fontFamily: string, fontWeight: string | number = 'normal'): { width: number; height: number } {
  context ??= document.createElement('canvas').getContext('2d');
  if (!context) return { width: text.length * fontSize, height: fontSize * 1.45 };
  context.font = `${fontWeight} ${fontSize}px ${fontFamily}`;
  const m = context.measureText(text);
  const height = m.fontBoundingBoxAscent + m.fontBoundingBoxDescent;
  return { width: m.width, height: Number.isFinite(height) && height > 0 ? height : fontSize * 1.45 };
}
