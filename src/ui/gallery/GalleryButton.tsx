/**
 * What the editor mounts: a "Templates" button that opens the gallery over the canvas, and
 * a "Copy link" button (Save in the top bar downloads the file). Opening a template loads a fork of it.
 */
import { createSignal, Show } from 'solid-js';
import { loadBundledTemplates } from '../../templates/browser-loader.ts';
import type { Template } from '../../templates/template.ts';
import type { Editor } from '../state/editor.ts';
import { Gallery } from './Gallery.tsx';
import { copyShareLink, openDocument } from './share-actions.ts';

export function GalleryButton(props: { editor: Editor }) {
  const [open, setOpen] = createSignal(false);
  // the bundled templates, validated once against the editor's catalog; broken ones are left out
  const templates: Template[] = loadBundledTemplates(props.editor.catalog).flatMap((r) =>
    r.ok ? [r.template] : [],
  );
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Templates
      </button>
      <button
        type="button"
        onClick={() => void copyShareLink(props.editor)}
        title="Copy a link that holds this graph"
      >
        Copy link
      </button>
      <Show when={open()}>
        <div class="gallery-overlay" role="dialog" aria-label="Templates">
          <Gallery
            templates={templates}
            catalog={props.editor.catalog}
            onOpen={(doc, t) => {
              if (openDocument(props.editor, doc, `a copy of the template “${t.meta.title}”`)) setOpen(false);
            }}
            onClose={() => setOpen(false)}
            current={() => props.editor.doc()}
          />
        </div>
      </Show>
    </>
  );
}
