import { PDFDocument, StandardFonts } from 'pdf-lib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { validatePdf, validateScreenshot } from '../../../src/smoke/validate-artifacts.js';

function png(width: number, height: number, paint: (x: number, y: number) => [number, number, number]): Buffer {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      const i = (y * width + x) * 4;
      image.data[i] = r;
      image.data[i + 1] = g;
      image.data[i + 2] = b;
      image.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(image);
}

async function pdf(pages: number): Promise<Buffer> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) document.addPage().drawText(`page ${i + 1}`, { x: 50, y: 700, font });
  return Buffer.from(await document.save());
}

const byName = (checks: { name: string; ok: boolean }[], fragment: string) => checks.find((c) => c.name.includes(fragment));

describe('screenshot validation', () => {
  it('accepts a rendered page with text-like detail', () => {
    const checks = validateScreenshot(png(80, 60, (x, y) => ((x * 7 + y * 3) % 11 === 0 ? [x * 3, y * 4, 90] : [255, 255, 255])), { width: 80, height: 60 });
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  it('flags a blank (uniform) screenshot', () => {
    const checks = validateScreenshot(png(80, 60, () => [255, 255, 255]), { width: 80, height: 60 });
    expect(byName(checks, 'not blank')?.ok).toBe(false);
  });

  it('flags the wrong size', () => {
    const checks = validateScreenshot(png(40, 30, (x) => [x * 6, 0, 0]), { width: 80, height: 60 });
    expect(byName(checks, 'viewport size')?.ok).toBe(false);
  });

  it('flags bytes that are not a PNG', () => {
    const checks = validateScreenshot(Buffer.from('GIF89a not a png'), { width: 1, height: 1 });
    expect(checks).toHaveLength(1);
    expect(checks[0]?.ok).toBe(false);
  });
});

describe('PDF validation', () => {
  it('counts pages with a real parser', async () => {
    expect((await validatePdf(await pdf(2), 2)).every((c) => c.ok)).toBe(true);
    expect(byName(await validatePdf(await pdf(1), 2), 'page count')?.ok).toBe(false);
  });

  it('rejects a missing header and a truncated file', async () => {
    expect((await validatePdf(Buffer.from('<html>'), 1))[0]?.ok).toBe(false);
    const truncated = (await pdf(2)).subarray(0, 200);
    expect((await validatePdf(truncated, 2)).some((c) => !c.ok)).toBe(true);
  });
});
