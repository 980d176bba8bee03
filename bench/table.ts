/** A plain-text table with right-aligned numeric columns, for terminals and Markdown alike. */
export function table(header: string[], rows: string[][], options: { markdown?: boolean } = {}): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => /^[-+]?[\d.,×x%]*$|^–$/.test(r[i] ?? '')));
  const cell = (text: string, i: number) => (numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  if (options.markdown) {
    const line = (r: string[]) => `| ${r.map(cell).join(' | ')} |`;
    const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
    return [line(header), rule, ...rows.map(line)].join('\n');
  }
  const line = (r: string[]) => r.map(cell).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
