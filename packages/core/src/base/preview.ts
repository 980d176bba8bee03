/**
 * A short JSON-like rendering of a user's value for error messages. Never throws: the value may be
 * nested deeper than the stack (JSON.stringify would overflow) or be huge (it would flood the message).
 */
export function preview(x: unknown, limit = 80): string {
  let out = '';
  const write = (v: unknown, depth: number): void => {
    if (out.length > limit) return;
    if (Array.isArray(v)) {
      if (depth >= 3) {
        out += '[...]';
        return;
      }
      out += '[';
      v.slice(0, 6).forEach((e, k) => {
        if (k > 0) out += ',';
        write(e, depth + 1);
      });
      out += v.length > 6 ? ',...]' : ']';
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= 3) {
        out += '{...}';
        return;
      }
      const record = v as Record<string, unknown>;
      const keys = Object.keys(record);
      out += '{';
      keys.slice(0, 4).forEach((key, k) => {
        if (k > 0) out += ',';
        out += `${JSON.stringify(key.slice(0, 20))}:`;
        write(record[key], depth + 1);
      });
      out += keys.length > 4 ? ',...}' : '}';
    } else if (typeof v === 'string') out += JSON.stringify(v.length > limit ? `${v.slice(0, limit)}...` : v);
    else if (v === undefined) out += 'nothing';
    else out += typeof v === 'symbol' ? v.toString() : String(v);
  };
  write(x, 0);
  return out.length > limit ? `${out.slice(0, limit - 3)}...` : out;
}

/** At most `max` items of a list for a message, joined with commas, then how many more there are: a file with thousands of sites gives one short line. */
export function previewList(items: string[], max = 8): string {
  const shown = items.slice(0, max);
  if (items.length > max) shown.push(`and ${items.length - max} more`);
  return shown.join(', ');
}
