// Marked sections of docs/RESULTS.md: every command that writes results rewrites only its own section.
import fs from 'node:fs';
import path from 'node:path';

/** Replaces (or appends) the `<!-- BEGIN name -->` … `<!-- END name -->` section of a markdown file. */
export function writeSection(file: string, name: string, body: string): void {
  const begin = `<!-- BEGIN ${name} -->`, end = `<!-- END ${name} -->`;
  const block = `${begin}\n${body.trimEnd()}\n${end}`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Results\n\nEvery figure below comes from a command in this repository; each section names its command and date.\n';
  const a = text.indexOf(begin), b = text.indexOf(end);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + end.length);
  else if (a >= 0 || b >= 0) throw new Error(`${file}: the ${name} section markers are unbalanced; fix them by hand`);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text.endsWith('\n') ? text : text + '\n');
}
