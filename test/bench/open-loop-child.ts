// Entry of the pinned open-loop generator process: options as JSON in argv[2],
// the result as JSON on stdout.
import { generate, type OpenLoopOptions } from './open-loop.ts';

const result = await generate(JSON.parse(process.argv[2]) as OpenLoopOptions);
process.stdout.write(JSON.stringify(result));
