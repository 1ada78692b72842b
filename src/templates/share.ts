/**
 * Sharing a document: as a `.shapeflow.json` file, or as a link whose fragment holds the
 * document (optionally with its run config and seed), deflated with fflate and written in
 * base64url. Whatever comes back in — a dropped file, a pasted link — is untrusted: it is
 * size-checked, decompressed with a cap, parsed and validated by the graph layer, and any
 * problem is a ShareError value (never thrown), so the current document stays as it was.
 */
import { deflateSync, Inflate } from 'fflate';
import { type GraphDocument, type LoadError, parseDocument, saveDocument } from '../graph/index.ts';
import type { Catalog } from '../nodes/index.ts';

export type ShareErrorCode =
  /** the link would be longer than LINK_LIMITS.chars: share the file instead */
  | 'link_too_long'
  /** the text is not a Shapeflow link (no `#sf1.` fragment) */
  | 'not_a_link'
  /** the fragment is not base64url, or does not inflate */
  | 'corrupt_link'
  /** the file or the inflated link is larger than the limits allow */
  | 'too_large'
  /** not JSON */
  | 'json'
  /** JSON, but not a valid document (the loader's errors are attached) */
  | 'invalid_document'
  /** the run config or seed in a link is malformed */
  | 'invalid_run';

export class ShareError extends Error {
  override readonly name = 'ShareError';
  constructor(
    readonly code: ShareErrorCode,
    message: string,
    /** the document loader's errors, for 'invalid_document' */
    readonly errors: LoadError[] = [],
  ) {
    super(message);
  }

  /** Whether offering the file instead is the way out. */
  get offerFile(): boolean {
    return this.code === 'link_too_long';
  }
}

/** The fragment's prefix: format and version of the payload. */
export const LINK_PREFIX = 'sf1.';

export const LINK_LIMITS = {
  /** longest link fragment we hand out (chat apps and browsers keep URLs of this size intact) */
  chars: 16_000,
  /** largest inflated payload accepted from a link */
  inflatedBytes: 4_000_000,
  /** largest file accepted on import */
  fileBytes: 20_000_000,
  /** run config: largest JSON text and deepest nesting */
  runConfigChars: 8_000,
  runConfigDepth: 6,
};

export const FILE_EXTENSION = '.shapeflow.json';

/** JSON values a run config may hold (learning rate, batch size, optimizer name, …). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type RunConfig = { [key: string]: JsonValue };

/** What a link carries. */
export interface SharedGraph {
  doc: GraphDocument;
  run?: RunConfig;
  seed?: number;
}

// ---------------------------------------------------------------- base64url

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Bytes of unpadded base64url text, or null for any character outside the alphabet. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? VALUE[code] : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

// ---------------------------------------------------------------- checks

function jsonDepth(value: unknown, limit: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return Number.POSITIVE_INFINITY;
  let deepest = 0;
  for (const v of Object.values(value)) deepest = Math.max(deepest, jsonDepth(v, limit - 1));
  return 1 + deepest;
}

function checkRun(run: unknown, seed: unknown): ShareError | null {
  if (run !== undefined) {
    if (typeof run !== 'object' || run === null || Array.isArray(run)) {
      return new ShareError('invalid_run', 'the link’s run config is not an object');
    }
    if (jsonDepth(run, LINK_LIMITS.runConfigDepth + 1) > LINK_LIMITS.runConfigDepth) {
      return new ShareError(
        'invalid_run',
        `the link’s run config nests deeper than ${LINK_LIMITS.runConfigDepth} levels`,
      );
    }
    if (JSON.stringify(run).length > LINK_LIMITS.runConfigChars) {
      return new ShareError(
        'invalid_run',
        `the link’s run config is longer than ${LINK_LIMITS.runConfigChars} characters`,
      );
    }
  }
  if (seed !== undefined && !(typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0)) {
    return new ShareError('invalid_run', 'the link’s seed is not a non-negative integer');
  }
  return null;
}

function validate(value: unknown, catalog: Catalog, what: string): GraphDocument | ShareError {
  const loaded = parseDocument(value, catalog);
  if (loaded.ok) return loaded.doc;
  const first = loaded.errors[0];
  return new ShareError(
    'invalid_document',
    `${what} is not a valid Shapeflow graph: ${first.path ? `${first.path}: ` : ''}${first.message}`,
    loaded.errors,
  );
}

function parseJson(text: string, what: string): unknown | ShareError {
  try {
    return JSON.parse(text);
  } catch (e) {
    return new ShareError('json', `${what} is not valid JSON: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------- links

/** Inflate at most `limit` bytes; null when the data is corrupt or inflates past the limit. */
function inflateCapped(data: Uint8Array, limit: number): Uint8Array | 'too_large' | null {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const stream = new Inflate((chunk) => {
    total += chunk.length;
    if (total > limit) {
      over = true;
      throw new RangeError('inflated past the limit');
    }
    chunks.push(chunk);
  });
  try {
    const step = 1024;
    for (let i = 0; i < data.length; i += step)
      stream.push(data.subarray(i, i + step), i + step >= data.length);
    if (data.length === 0) stream.push(data, true);
  } catch {
    return over ? 'too_large' : null;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The link fragment (without '#') for a document; a ShareError when it would be too long. */
export function encodeLinkFragment(shared: SharedGraph): string | ShareError {
  const bad = checkRun(shared.run, shared.seed);
  if (bad) return bad;
  const payload: Record<string, unknown> = { doc: shared.doc };
  if (shared.run !== undefined) payload.run = shared.run;
  if (shared.seed !== undefined) payload.seed = shared.seed;
  const packed = deflateSync(new TextEncoder().encode(JSON.stringify(payload)), { level: 9 });
  const fragment = LINK_PREFIX + toBase64Url(packed);
  if (fragment.length > LINK_LIMITS.chars) {
    return new ShareError(
      'link_too_long',
      `This graph is too large for a link (${fragment.length.toLocaleString('en')} characters, the limit is ${LINK_LIMITS.chars.toLocaleString('en')}). Share it as a ${FILE_EXTENSION} file instead.`,
    );
  }
  return fragment;
}

/** A full link: `base` (the app's address) with the document in its fragment. */
export function shareLink(base: string, shared: SharedGraph): string | ShareError {
  const fragment = encodeLinkFragment(shared);
  return fragment instanceof ShareError ? fragment : `${base.replace(/#.*$/, '')}#${fragment}`;
}

/** Whether a URL (or its fragment) carries a shared document. */
export function isShareLink(urlOrFragment: string): boolean {
  return urlOrFragment.slice(urlOrFragment.indexOf('#') + 1).startsWith(LINK_PREFIX);
}

/**
 * Open a link (a whole URL, or its fragment with or without '#'): the document it carries,
 * validated like any untrusted file, with its run config and seed. Never throws.
 */
export function decodeLink(urlOrFragment: string, catalog: Catalog): SharedGraph | ShareError {
  if (typeof urlOrFragment !== 'string') return new ShareError('not_a_link', 'expected a link (text)');
  const fragment = urlOrFragment.slice(urlOrFragment.indexOf('#') + 1);
  if (!fragment.startsWith(LINK_PREFIX)) {
    return new ShareError(
      'not_a_link',
      `This is not a Shapeflow link: its fragment should start with '${LINK_PREFIX}'.`,
    );
  }
  // a little slack over what we hand out, for links made with other settings; no more
  if (fragment.length > 2 * LINK_LIMITS.chars)
    return new ShareError('too_large', 'This link is longer than any Shapeflow link can be.');
  const bytes = fromBase64Url(fragment.slice(LINK_PREFIX.length));
  if (!bytes)
    return new ShareError(
      'corrupt_link',
      'This link is damaged: it has characters a Shapeflow link never has (was it cut or edited?).',
    );
  const inflated = inflateCapped(bytes, LINK_LIMITS.inflatedBytes);
  if (inflated === 'too_large')
    return new ShareError('too_large', 'This link unpacks to more data than a shared graph may hold.');
  if (!inflated)
    return new ShareError(
      'corrupt_link',
      'This link is damaged: its data does not unpack (was it cut short?).',
    );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated);
  } catch {
    return new ShareError('corrupt_link', 'This link is damaged: its data is not text.');
  }
  const payload = parseJson(text, 'This link’s data');
  if (payload instanceof ShareError) return payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || !('doc' in payload)) {
    return new ShareError('invalid_document', 'This link holds no graph document.');
  }
  const { doc, run, seed } = payload as { doc: unknown; run?: unknown; seed?: unknown };
  const bad = checkRun(run, seed);
  if (bad) return bad;
  const valid = validate(doc, catalog, 'The graph in this link');
  if (valid instanceof ShareError) return valid;
  const shared: SharedGraph = { doc: valid };
  if (run !== undefined) shared.run = run as RunConfig;
  if (seed !== undefined) shared.seed = seed as number;
  return shared;
}

// ---------------------------------------------------------------- files

/** A file name for a document: its title, made safe, with the `.shapeflow.json` extension. */
export function fileNameFor(doc: GraphDocument): string {
  const stem = doc.meta.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${stem || 'graph'}${FILE_EXTENSION}`;
}

/** The file to download for a document. */
export function exportFile(doc: GraphDocument): { name: string; type: string; text: string } {
  return { name: fileNameFor(doc), type: 'application/json', text: saveDocument(doc) };
}

/** Read a dropped or chosen file's text as a document. Never throws. */
export function importFile(text: string, catalog: Catalog, name = 'This file'): GraphDocument | ShareError {
  if (typeof text !== 'string') return new ShareError('json', `${name} is not text`);
  if (text.length > LINK_LIMITS.fileBytes) {
    return new ShareError(
      'too_large',
      `${name} is larger than ${LINK_LIMITS.fileBytes / 1_000_000} MB; a Shapeflow graph never is.`,
    );
  }
  const value = parseJson(text, name);
  return value instanceof ShareError ? value : validate(value, catalog, name);
}
