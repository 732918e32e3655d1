// One fuzz target in a worker thread, for the test suite. V8's coverage snapshot
// lists every script of the isolate, and the suite's workers hold every module
// the earlier test files loaded: here the isolate holds only this target's.
import { parentPort, workerData } from 'node:worker_threads';
import { fuzz, type FuzzOptions } from './engine.ts';
import { TARGETS } from './targets.ts';

const { name, options } = workerData as { name: string; options: FuzzOptions };
const target = TARGETS.find((t) => t.name === name);
if (!target) throw new Error(`no fuzz target ${name}`);
parentPort?.postMessage(await fuzz(target, options));
