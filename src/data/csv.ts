/**
 * A CSV reader for numeric tables (Node and browsers: it takes the text). The first line is the
 * header; every other cell must be a number, except in the label column, which may hold class
 * names. Quoted cells ("a, b", "say ""hi""") are understood; a cell may not span lines. Each bad
 * cell is an Error naming its line (1 = the header) and column.
 */
export interface CsvOptions {
  /** Name of the column that holds the targets; without it every column is a feature. */
  label?: string;
  /** Cell separator. Default ','. */
  delimiter?: string;
}

/** A parsed CSV table (`parseCsv`, `readCsv`). */
export interface CsvData {
  /** Names of the feature columns, in file order (the label column left out). */
  columns: string[];
  /** Feature rows (N, D). */
  x: number[][];
  /** Class index of each row, when a label column was named. */
  y?: number[];
  /** With text labels: the class names, sorted; y[i] indexes them. Numeric labels are kept as they are. */
  classes?: string[];
}

/** The numeric table in `text` (see the file header for the rules), with the label column split off when named. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvData {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"') throw new Error(`parseCsv: delimiter must be one character other than a quote, got ${JSON.stringify(delimiter)}`);
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new Error('parseCsv: the text is empty; expected a header line');
  const header = splitLine(lines[0], delimiter, 1).map((name) => name.trim());
  header.forEach((name, c) => {
    if (name === '') throw new Error(`parseCsv: line 1 (the header), column ${c + 1} has no name`);
    if (header.indexOf(name) !== c) throw new Error(`parseCsv: line 1 (the header) names column '${name}' twice`);
  });
  const labelIndex = options.label === undefined ? -1 : header.indexOf(options.label);
  if (options.label !== undefined && labelIndex < 0) {
    throw new Error(`parseCsv: no label column '${options.label}' in the header (columns: ${header.join(', ')})`);
  }

  const x: number[][] = [];
  const labelCells: { text: string; line: number }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    if (lines[i].trim() === '') continue;
    const cells = splitLine(lines[i], delimiter, line);
    if (cells.length !== header.length) {
      throw new Error(`parseCsv: line ${line} has ${cells.length} cells, the header has ${header.length}`);
    }
    const row: number[] = [];
    cells.forEach((cell, c) => {
      if (c === labelIndex) labelCells.push({ text: cell.trim(), line });
      else row.push(number(cell, line, header[c]));
    });
    x.push(row);
  }
  if (x.length === 0) throw new Error('parseCsv: there are no rows after the header');
  const columns = header.filter((_, c) => c !== labelIndex);
  if (labelIndex < 0) return { columns, x };
  return { columns, x, ...labels(labelCells, header[labelIndex]) };
}

/** Numeric labels stay as they are (integers >= 0); any other text makes the labels class names. */
function labels(cells: { text: string; line: number }[], column: string): { y: number[]; classes?: string[] } {
  const numeric = cells.every((c) => c.text !== '' && Number.isFinite(Number(c.text)));
  if (numeric) {
    return {
      y: cells.map((c) => {
        const v = Number(c.text);
        if (!Number.isInteger(v) || v < 0) throw new Error(`parseCsv: line ${c.line}, column '${column}': label '${c.text}' is not a class index (an integer >= 0)`);
        return v;
      }),
    };
  }
  const empty = cells.find((c) => c.text === '');
  if (empty) throw new Error(`parseCsv: line ${empty.line}, column '${column}': the label is empty`);
  const classes = [...new Set(cells.map((c) => c.text))].sort();
  const index = new Map(classes.map((name, i) => [name, i]));
  return { y: cells.map((c) => index.get(c.text)!), classes };
}

function number(cell: string, line: number, column: string): number {
  const text = cell.trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) {
    throw new Error(`parseCsv: line ${line}, column '${column}': ${text === '' ? 'the cell is empty' : `'${text}' is not a number`}`);
  }
  return value;
}

/** The cells of one line; a quoted cell may hold the delimiter and doubled quotes. */
function splitLine(text: string, delimiter: string, line: number): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  if (quoted) throw new Error(`parseCsv: line ${line} ends inside a quoted cell (cell ${cells.length + 1})`);
  cells.push(cell);
  return cells;
}
