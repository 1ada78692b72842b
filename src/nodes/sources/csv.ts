/**
 * User CSV data: numeric feature columns and a label column. Every bad row is reported by its
 * line number (a missing value, a word where a number should be, a wrong column count).
 */
import { p } from '../params.ts';
import { batched, DatasetError, defineDataset, valFractionParam } from './dataset.ts';
import { splitGenerated } from './synthetic.ts';

export interface CsvOptions {
  /** name of the label column (with a header) or its 0-based index as text; '' = the last column */
  labelColumn: string;
  labelKind: 'class' | 'value';
  header: boolean;
}

export interface ParsedCsv {
  features: number[];
  labels: number[];
  featureNames: string[];
  rows: number;
  classes?: number;
}

/** Parse CSV text; throws a DatasetError listing the bad lines (at most 10, and how many in all). */
export function parseCsv(text: string, file: string, options: CsvOptions): ParsedCsv {
  const lines = text.split(/\r?\n/);
  const bad: string[] = [];
  let names: string[] | null = null;
  let width = -1;
  let label = -1;
  const features: number[] = [];
  const labels: number[] = [];
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    if (width < 0) {
      width = cells.length;
      if (options.header) names = cells;
      label = labelIndex(options.labelColumn, names, width, file);
      if (options.header) return;
    }
    if (cells.length !== width) {
      bad.push(`line ${lineNo}: ${cells.length} columns, expected ${width}`);
      return;
    }
    const values = cells.map(Number);
    const wrong = cells.findIndex((c, j) => c === '' || !Number.isFinite(values[j]));
    if (wrong >= 0) {
      const col = names?.[wrong] ?? `column ${wrong + 1}`;
      bad.push(
        `line ${lineNo}: ${cells[wrong] === '' ? 'missing value' : `'${cells[wrong]}' is not a number`} in ${col}`,
      );
      return;
    }
    if (options.labelKind === 'class' && !(Number.isInteger(values[label]) && values[label] >= 0)) {
      bad.push(`line ${lineNo}: label ${cells[label]} is not a class index (a non-negative integer)`);
      return;
    }
    for (const [j, v] of values.entries()) (j === label ? labels : features).push(v);
  });
  if (bad.length) {
    const more = bad.length > 10 ? `\n… and ${bad.length - 10} more bad rows` : '';
    throw new DatasetError(
      '',
      `${file}: ${bad.length} bad row${bad.length > 1 ? 's' : ''}:\n${bad.slice(0, 10).join('\n')}${more}`,
    );
  }
  if (labels.length === 0) throw new DatasetError('', `${file}: no data rows`);
  const featureNames = (names ?? Array.from({ length: width }, (_, j) => `column ${j + 1}`)).filter(
    (_, j) => j !== label,
  );
  const classes = options.labelKind === 'class' ? Math.max(...labels) + 1 : undefined;
  return { features, labels, featureNames, rows: labels.length, classes };
}

function labelIndex(column: string, names: string[] | null, width: number, file: string): number {
  if (column === '') return width - 1;
  const byName = names?.indexOf(column) ?? -1;
  if (byName >= 0) return byName;
  const n = Number(column);
  if (Number.isInteger(n) && n >= 0 && n < width) return n;
  throw new DatasetError(
    '',
    `${file}: no label column '${column}'${names ? ` (columns: ${names.join(', ')})` : ''}`,
  );
}

/** A CSV file of numeric columns, one of them the label. */
export const CSVDataset = defineDataset({
  type: 'CSVDataset',
  aliases: ['csv', 'table', 'spreadsheet data'],
  doc: 'Rows of a CSV file: numeric feature columns and one label column (a class index or a value to regress). Bad rows are reported by line number.',
  params: {
    path: p.string({
      default: 'data.csv',
      maxLength: 1000,
      doc: 'a file path (Node) or the name of a file you picked',
    }),
    features: p.int({ default: 4, min: 1, doc: 'how many feature columns (all columns but the label)' }),
    label_column: p.string({
      default: '',
      doc: 'label column name or 0-based index; empty: the last column',
    }),
    label_kind: p.enum(['class', 'value'], { default: 'class' }),
    header: p.bool({ default: true, doc: 'the first row names the columns' }),
    val_fraction: valFractionParam,
  },
  outputs: (params) => ({
    x: batched('float32', params.features),
    y: params.label_kind === 'class' ? batched('int32') : batched('float32', 1),
  }),
  async load(params, io) {
    let text: string;
    try {
      text = new TextDecoder().decode(await io.readFile(params.path));
    } catch (e) {
      throw new DatasetError('', `${params.path}: cannot be read: ${(e as Error).message}`);
    }
    const csv = parseCsv(text, params.path, {
      labelColumn: params.label_column,
      labelKind: params.label_kind,
      header: params.header,
    });
    if (csv.featureNames.length !== params.features) {
      throw new DatasetError(
        '',
        `${params.path}: has ${csv.featureNames.length} feature columns (${csv.featureNames.join(', ')}), the node's features param says ${params.features}`,
      );
    }
    const classes = params.label_kind === 'class';
    const g = {
      x: csv.features,
      xShape: [params.features],
      y: csv.labels,
      yShape: classes ? [] : [1],
      yDtype: classes ? ('int32' as const) : ('float32' as const),
      classes: csv.classes,
    };
    return splitGenerated(g, csv.rows, params.val_fraction, params.seed);
  },
  xDoc: 'features [N, features]',
  yDoc: 'labels [N] (class) or [N, 1] (value)',
});
