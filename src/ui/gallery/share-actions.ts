/**
 * The editor's sharing actions: open a template, copy a link, download or open a
 * `.shapeflow.json` file, open the link the page was loaded with. Every failure becomes a
 * message, and the open document stays as it was.
 */
import { type GraphDocument, saveDocument } from '../../graph/index.ts';
import {
  decodeLink,
  exportFile,
  importFile,
  isShareLink,
  type RunConfig,
  ShareError,
  shareLink,
} from '../../templates/share.ts';
import type { Editor } from '../state/editor.ts';

/** Replace the open document by `doc` (already validated); false, with a message, if the store refuses it. */
export function openDocument(editor: Editor, doc: GraphDocument, what: string): boolean {
  const result = editor.store.load(saveDocument(doc));
  if (!result.ok) {
    editor.notify(
      'error',
      `Could not open ${what}. Your graph is unchanged.`,
      result.errors.map((e) => `${e.path}: ${e.message}`),
    );
    return false;
  }
  editor.setSelection([]);
  editor.setOpenIssue(null);
  editor.notify('info', `Opened ${what}.`);
  return true;
}

function report(editor: Editor, error: ShareError): void {
  editor.notify(
    'error',
    error.message,
    error.errors.slice(0, 8).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)),
  );
}

/** Put a link to the open document on the clipboard (the file is offered when it is too large). */
export async function copyShareLink(
  editor: Editor,
  options: { run?: RunConfig; seed?: number } = {},
): Promise<string | ShareError> {
  const link = shareLink(location.href, { doc: editor.doc(), ...options });
  if (link instanceof ShareError) {
    report(editor, link);
    return link;
  }
  try {
    await navigator.clipboard.writeText(link);
    editor.notify('info', 'Link copied: it holds the whole graph, nothing is uploaded.');
  } catch {
    editor.notify('error', 'The browser did not allow copying; the link is in the address bar instead.');
    history.replaceState(null, '', link);
  }
  return link;
}

/** Open the document of a link; a bad link leaves the open document as it was. */
export function openShareLink(editor: Editor, url: string): boolean {
  const opened = decodeLink(url, editor.catalog);
  if (opened instanceof ShareError) {
    report(editor, opened);
    return false;
  }
  return openDocument(
    editor,
    opened.doc,
    `“${opened.doc.meta.title}” from a link (a copy: the sender’s graph is untouched)`,
  );
}

/** At start-up: open the link in the page's address, if there is one, then drop it from the address bar. */
export function openLinkInAddress(editor: Editor): boolean {
  if (!isShareLink(location.hash)) return false;
  const opened = openShareLink(editor, location.href);
  history.replaceState(null, '', location.pathname + location.search);
  return opened;
}

/** Download the open document as `<title>.shapeflow.json`. */
export function downloadDocument(editor: Editor): void {
  const file = exportFile(editor.doc());
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([file.text], { type: file.type }));
  a.download = file.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Open a dropped or chosen file; a bad file leaves the open document as it was. */
export async function openFile(editor: Editor, file: File): Promise<boolean> {
  const doc = importFile(await file.text(), editor.catalog, file.name);
  if (doc instanceof ShareError) {
    report(editor, doc);
    return false;
  }
  return openDocument(editor, doc, file.name);
}
