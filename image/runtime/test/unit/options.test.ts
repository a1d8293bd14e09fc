import { describe, expect, it } from 'vitest';
import { describeIssues, pdfSchema, screenshotSchema } from '../../src/render/options.js';

function problems(schema: typeof screenshotSchema | typeof pdfSchema, body: unknown): string {
  const parsed = schema.safeParse(body);
  return parsed.success ? '' : describeIssues(parsed.error);
}

describe('render option schemas', () => {
  it('fills defaults', () => {
    expect(screenshotSchema.parse({ url: 'https://a.example/' })).toMatchObject({ waitUntil: 'load', fullPage: false, type: 'png' });
    expect(pdfSchema.parse({ url: 'https://a.example/' })).toMatchObject({ format: 'A4', landscape: false, printBackground: false });
  });

  it('names unsupported options and bad values', () => {
    expect(problems(screenshotSchema, { url: 'https://a.example/', clip: {} })).toBe('unsupported option: clip');
    expect(problems(screenshotSchema, { url: 'https://a.example/', viewport: { width: 10, height: 10, isMobile: true } })).toBe('unsupported option in viewport: isMobile');
    expect(problems(screenshotSchema, { url: 'nope' })).toMatch(/^url: url must be an absolute URL/);
    expect(problems(screenshotSchema, {})).toMatch(/^url: url is required/);
    expect(problems(screenshotSchema, { url: 'https://a.example/', quality: 50 })).toBe('quality: quality applies to jpeg and webp only');
    expect(problems(screenshotSchema, { url: 'https://a.example/', waitUntil: 'later' })).toMatch(/^waitUntil: /);
    expect(problems(pdfSchema, { url: 'https://a.example/', margin: { top: '1 furlong' } })).toMatch(/^margin\.top: margins are CSS lengths/);
    expect(problems(pdfSchema, { url: 'https://a.example/', format: 'B5' })).toMatch(/^format: /);
  });
});
