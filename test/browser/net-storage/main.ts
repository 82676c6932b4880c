// Puts the package's browser entry where the spec's page.evaluate calls can reach it.
import * as scratchnet from 'scratchnet';

(globalThis as unknown as { scratchnet: typeof scratchnet }).scratchnet = scratchnet;
document.body.dataset.state = 'ready';
