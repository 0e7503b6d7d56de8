// Runs the CLI from source (node --import tsx src/cli/entry.ts ...), as the test script does; the published
// bin runs the compiled dist/cli/main.js instead.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
