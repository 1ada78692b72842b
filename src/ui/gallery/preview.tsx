/**
 * A development page for the gallery and the diff view on their own (the end-to-end test
 * screenshots it): /src/ui/gallery/preview.html. `?view=diff` shows a diff of two templates;
 * `?markup=1` adds a template whose strings are markup, to see it rendered as text.
 */
import { render } from 'solid-js/web';
import { catalog } from '../../nodes/index.ts';
import { loadBundledTemplates } from '../../templates/browser-loader.ts';
import type { Template } from '../../templates/template.ts';
import '../theme.css';
import { DiffView } from './DiffView.tsx';
import { Gallery } from './Gallery.tsx';

const params = new URLSearchParams(location.search);
const templates: Template[] = loadBundledTemplates(catalog).flatMap((r) => (r.ok ? [r.template] : []));
if (params.get('markup')) {
  const base = structuredClone(templates.find((t) => t.name === 'mnist_mlp') as Template);
  templates.unshift({
    ...base,
    name: 'markup',
    meta: {
      ...base.meta,
      title: '<img src=x onerror="window.pwned=1">Markup title',
      description: '<script>window.pwned=2</script><b>not bold</b>',
    },
  });
}
const byName = (name: string) => templates.find((t) => t.name === name) as Template;
const opened: string[] = [];
(window as unknown as { galleryOpened: string[] }).galleryOpened = opened;

render(() => {
  if (params.get('view') === 'diff') {
    return (
      <DiffView
        before={byName(params.get('a') ?? 'transformer_encoder_post_norm').doc}
        after={byName(params.get('b') ?? 'transformer_encoder_pre_norm').doc}
        catalog={catalog}
      />
    );
  }
  return <Gallery templates={templates} catalog={catalog} onOpen={(doc) => opened.push(doc.meta.title)} />;
}, document.getElementById('gallery') as HTMLElement);
