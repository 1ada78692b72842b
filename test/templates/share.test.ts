import { describe, expect, it } from 'vitest';
import { GraphStore, saveDocument } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { loadTemplateFile } from '../../src/templates/node-loader.ts';
import {
  decodeLink,
  encodeLinkFragment,
  fileNameFor,
  fromBase64Url,
  importFile,
  isShareLink,
  LINK_LIMITS,
  LINK_PREFIX,
  ShareError,
  shareLink,
  toBase64Url,
} from '../../src/templates/share.ts';

const mlp = (() => {
  const r = loadTemplateFile('mnist_mlp', catalog);
  if (!r.ok) throw new Error('mnist_mlp');
  return r.template.doc;
})();

describe('base64url', () => {
  it('matches Node’s encoder and decodes back, for every length mod 3', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 255);
      expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    }
  });

  it('refuses characters outside the alphabet and impossible lengths', () => {
    expect(fromBase64Url('ab+c')).toBeNull();
    expect(fromBase64Url('abcde')).toBeNull();
    expect(fromBase64Url('ab=')).toBeNull();
  });
});

describe('links', () => {
  it('carry the document, the run config and the seed, behind the app’s address', () => {
    const link = shareLink('https://shapeflow.example/app#old', {
      doc: mlp,
      run: { lr: 0.01, optimizer: 'Adam' },
      seed: 42,
    });
    if (link instanceof ShareError) throw link;
    expect(link.startsWith(`https://shapeflow.example/app#${LINK_PREFIX}`)).toBe(true);
    expect(isShareLink(link)).toBe(true);
    expect(decodeLink(link, catalog)).toEqual({ doc: mlp, run: { lr: 0.01, optimizer: 'Adam' }, seed: 42 });
  });

  it('above the size cap: a typed error that offers the file instead', () => {
    const big = structuredClone(mlp);
    // labels of pseudo-random text do not compress: 150 of them push the link over the cap
    let state = 12345;
    const noise = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return String.fromCharCode(48 + (state % 75));
    };
    for (let i = 0; i < 150; i++) {
      big.nodes.push({
        ...structuredClone(big.nodes[3]),
        id: `node:extra${i}`,
        label: Array.from({ length: 150 }, noise).join(''),
      });
    }
    const result = encodeLinkFragment({ doc: big });
    expect(result).toBeInstanceOf(ShareError);
    expect((result as ShareError).code).toBe('link_too_long');
    expect((result as ShareError).offerFile).toBe(true);
    expect((result as ShareError).message).toMatch(/\.shapeflow\.json file/);
  });

  it('refuse a malformed run config or seed', () => {
    expect((encodeLinkFragment({ doc: mlp, seed: -1 }) as ShareError).code).toBe('invalid_run');
    expect((encodeLinkFragment({ doc: mlp, run: [] as never }) as ShareError).code).toBe('invalid_run');
  });

  it('a bad link is a typed error with a message, and the open document stays as it was', () => {
    const store = new GraphStore({ doc: structuredClone(mlp), catalog });
    const before = store.doc;
    const good = encodeLinkFragment({ doc: mlp }) as string;
    const bad = [
      'https://shapeflow.example/app',
      `#${LINK_PREFIX}!!!`,
      `#${good.slice(0, good.length - 40)}`,
      `#${LINK_PREFIX}${'A'.repeat(2 * LINK_LIMITS.chars)}`,
      `#${LINK_PREFIX}${toBase64Url(new TextEncoder().encode('not deflated'))}`,
    ];
    const codes = bad.map((link) => {
      const opened = decodeLink(link, catalog);
      expect(opened).toBeInstanceOf(ShareError);
      if (!(opened instanceof ShareError)) store.load(saveDocument(opened.doc));
      return (opened as ShareError).code;
    });
    expect(codes).toEqual(['not_a_link', 'corrupt_link', 'corrupt_link', 'too_large', 'corrupt_link']);
    expect(store.doc).toBe(before);
  });

  it('a link to an invalid document reports the loader’s errors with their paths', () => {
    const wrong = structuredClone(mlp);
    wrong.nodes[2].type = 'Linearr';
    const opened = decodeLink(encodeLinkFragment({ doc: wrong }) as string, catalog) as ShareError;
    expect(opened.code).toBe('invalid_document');
    expect(opened.errors[0]).toMatchObject({ code: 'unknown_type', path: 'nodes[2].type' });
    expect(opened.message).toContain("did you mean 'Linear'");
  });
});

describe('files', () => {
  it('are named after the title', () => {
    expect(fileNameFor(mlp)).toBe('mnist-mlp.shapeflow.json');
    expect(fileNameFor({ ...mlp, meta: { title: '../../etc/passwd' } })).toBe('etc-passwd.shapeflow.json');
  });

  it('import: not JSON, not a graph, too large — each a typed error', () => {
    expect((importFile('{"format":', catalog) as ShareError).code).toBe('json');
    expect((importFile('[1, 2]', catalog) as ShareError).code).toBe('invalid_document');
    expect((importFile(' '.repeat(LINK_LIMITS.fileBytes + 1), catalog) as ShareError).code).toBe('too_large');
  });
});
