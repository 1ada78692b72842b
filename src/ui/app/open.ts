/** Opening untrusted document text: on failure a message with the loader's errors, and nothing changes. */
import { needsLayout, tidy } from '../layout/tidy.ts';
import type { Editor } from '../state/editor.ts';

export async function openText(editor: Editor, text: string, name = 'the file'): Promise<boolean> {
  const result = editor.store.load(text);
  if (!result.ok) {
    editor.notify(
      'error',
      `Could not open ${name}: it is not a valid Shapeflow graph. Your graph is unchanged.`,
      result.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)),
    );
    return false;
  }
  editor.setSelection([]);
  editor.setOpenIssue(null);
  if (needsLayout(result.doc)) await tidy(editor);
  return true;
}
