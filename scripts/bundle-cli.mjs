// The scratchnet command as one file, dist/cli/scratchnet.js (the package's bin), from tsc's
// dist/cli/main.js and the modules it imports: Node then loads one module at start instead of
// resolving and compiling ~140. Node built-ins stay imports.
import { rolldown } from 'rolldown';

const bundle = await rolldown({ input: 'dist/cli/main.js', platform: 'node', logLevel: 'warn' });
await bundle.write({ format: 'esm', file: 'dist/cli/scratchnet.js' });
await bundle.close();
