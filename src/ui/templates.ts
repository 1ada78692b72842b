/** The template documents in templates/, as text (read at build time; each is still validated on load). */
const files = import.meta.glob('../../templates/*.json', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** template name (the file name without .json) → document text */
export const templates: Record<string, string> = Object.fromEntries(
  Object.entries(files).map(([path, text]) => [path.replace(/^.*\//, '').replace(/\.json$/, ''), text]),
);
