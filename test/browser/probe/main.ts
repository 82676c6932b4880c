// Runs the determinism probe in the page and leaves its hashes in #result (body[data-state] says when).
import { runProbe } from '../../determinism-probe.js';

runProbe().then(
  (result) => {
    document.getElementById('result')!.textContent = JSON.stringify(result);
    document.body.dataset.state = 'done';
  },
  (error: unknown) => {
    document.getElementById('result')!.textContent = String(error instanceof Error ? error.stack ?? error.message : error);
    document.body.dataset.state = 'error';
  },
);
