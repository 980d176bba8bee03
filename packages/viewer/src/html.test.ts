import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '@defect-candidates/core';
import { PAGE_CSP, linkErrorHtml, reportHtml, servedPageHtml } from './html.ts';
import { pageAnswer } from './page-data.ts';

const answer = generate(
  { content: readFileSync(join(import.meta.dirname, '../../../fixtures/structures/CdTe.cif'), 'utf8'), filename: 'CdTe.cif' },
  { dopant_elements: ['Mg'], output_formats: ['poscar', 'report'] },
);
// Stand-ins for the assets, each with something that would end its element early if it went in raw.
const assets = {
  viewerJs: 'window.$3Dmol = { note: "</script><script>alert(1)</script>", old: "<!--" };',
  pageJs: 'document.title = "</SCRIPT>";',
  pageCss: 'body::after { content: "</style>"; }',
};

const elements = (html: string, tag: string) => [...html.matchAll(new RegExp(`<${tag}([^>]*)>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => ({ attributes: m[1], text: m[2] }));
const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('reportHtml', () => {
  const html = reportHtml(answer, assets);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1];

  it('inlines the answer, the viewer and the page script, and nothing ends an element early', () => {
    const scripts = elements(html, 'script');
    expect(scripts.map((s) => s.attributes)).toEqual([' type="application/json" id="dc-answer"', '', '']);
    expect(JSON.parse(scripts[0].text)).toEqual(JSON.parse(JSON.stringify(pageAnswer(answer))));
    expect(scripts[0].text).not.toContain('<');
    expect(scripts[1].text).toBe('window.$3Dmol = { note: "<\\/script><script>alert(1)<\\/script>", old: "<\\!--" };');
    expect(scripts[2].text).toBe('document.title = "<\\/SCRIPT>";');
    expect(elements(html, 'style').map((s) => s.text)).toEqual(['body::after { content: "<\\/style>"; }']);
    expect(html).not.toMatch(/\s(src|href)=/);
  });

  it('allows by hash exactly its two scripts and its style, and no request to anywhere', () => {
    const [, viewer, page] = elements(html, 'script');
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual([hash(viewer.text), hash(page.text)]);
    expect(directives.get('style-src')).toEqual([hash(elements(html, 'style')[0].text)]);
    expect(directives.has('connect-src')).toBe(false);
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('is titled with the host', () => {
    expect(elements(html, 'title')[0].text).toBe('CdTe defect candidates');
  });
});

describe('servedPageHtml', () => {
  const html = servedPageHtml();

  it('loads its script, style and viewer from the API’s own /viewer/ path and has nothing inline for the CSP to refuse', () => {
    expect(elements(html, 'script').map((s) => s.attributes)).toEqual([' defer src="../viewer/page.js"', ' defer src="../viewer/3Dmol-min.js"']);
    expect(elements(html, 'script').every((s) => s.text === '')).toBe(true);
    expect(html).toContain('<link rel="stylesheet" href="../viewer/page.css">');
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(PAGE_CSP).toBe("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  });
});

describe('linkErrorHtml', () => {
  it('says what happened to the link and how to get a fresh one, escaped, with nothing the CSP would refuse', () => {
    const html = linkErrorHtml({ code: 'link_expired', message: 'expired <b>"now"</b> & gone' }, '../viewer/');
    expect(elements(html, 'h2')[0].text).toBe('This link has expired');
    expect(html).toContain('<p id="error-message">expired &lt;b&gt;&quot;now&quot;&lt;/b&gt; &amp; gone</p>');
    expect(html).toContain('<link rel="stylesheet" href="../viewer/page.css">');
    expect(html).toMatch(/fresh link.*<code>links\.view<\/code>/s);
    expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
    expect(elements(linkErrorHtml({ code: 'invalid_signature', message: 'no' }, '../../viewer/'), 'h2')[0].text).toBe('This link is not valid');
  });
});
