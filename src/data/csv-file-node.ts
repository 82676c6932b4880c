import { readFile } from 'node:fs/promises';
import { parseCsv } from './csv.js';
import type { CsvData, CsvOptions } from './csv.js';

/** parseCsv of a file (Node); its errors name the file too. Browsers: `parseCsv(await (await fetch(url)).text())`. */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<CsvData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`readCsv: cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
  try {
    return parseCsv(text, options);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
}
