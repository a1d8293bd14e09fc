import { PDFDocument } from 'pdf-lib';
import { PNG } from 'pngjs';

export interface ArtifactCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Decodes the screenshot fully: right size, and "not blank" meaning enough pixels differ
 * from the page background — a page whose fonts or GPU path failed renders uniform.
 */
export function validateScreenshot(png: Buffer, expected: { width: number; height: number }): ArtifactCheck[] {
  let image: PNG;
  try {
    image = PNG.sync.read(png);
  } catch (error) {
    return [{ name: 'host: screenshot decodes as PNG', ok: false, detail: String(error) }];
  }
  const { width, height, data } = image;
  const background = data.readUInt32BE(0);
  let differing = 0;
  const colours = new Set<number>();
  for (let offset = 0; offset < data.length; offset += 4) {
    const pixel = data.readUInt32BE(offset);
    if (pixel !== background) differing += 1;
    if (colours.size < 1024) colours.add(pixel);
  }
  const inkRatio = differing / (width * height);
  return [
    { name: 'host: screenshot decodes as PNG', ok: true, detail: `${width}x${height}` },
    { name: 'host: screenshot has the viewport size', ok: width === expected.width && height === expected.height, detail: `${width}x${height}` },
    {
      name: 'host: screenshot is not blank',
      ok: inkRatio > 0.005 && colours.size > 16,
      detail: `${(inkRatio * 100).toFixed(2)}% non-background pixels, ${colours.size} colours`,
    },
  ];
}

export async function validatePdf(pdf: Buffer, expectedPages: number): Promise<ArtifactCheck[]> {
  const header = pdf.subarray(0, 5).toString('latin1');
  if (header !== '%PDF-') return [{ name: 'host: PDF header', ok: false, detail: JSON.stringify(header) }];
  try {
    const document = await PDFDocument.load(pdf);
    const pages = document.getPageCount();
    return [
      { name: 'host: PDF header', ok: true, detail: pdf.subarray(0, 8).toString('latin1') },
      { name: 'host: PDF page count', ok: pages === expectedPages, detail: `${pages} pages, expected ${expectedPages}` },
    ];
  } catch (error) {
    return [{ name: 'host: PDF parses', ok: false, detail: error instanceof Error ? error.message : String(error) }];
  }
}
