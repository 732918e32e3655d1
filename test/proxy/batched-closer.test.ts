// Deadline closes are spread over turns so a flood that expires together
// cannot hold the event loop for all of its connections at once.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { BatchedCloser } from '../../src/proxy/batched-closer.ts';

it('closes at most perTurn connections per event-loop turn, in order, until none is left', async () => {
  const closer = new BatchedCloser(64);
  const closed: number[] = [];
  for (let i = 0; i < 200; i++) closer.push(() => closed.push(i));
  expect(closed).toEqual([]); // never in the turn that expired them
  const perTurn: number[] = [];
  while (closer.pending) {
    const before = closed.length;
    await nextTurn();
    perTurn.push(closed.length - before);
  }
  expect(perTurn.every((n) => n <= 64)).toBe(true);
  expect(closed).toEqual(Array.from({ length: 200 }, (_, i) => i));
});

it('a close that throws does not stop the others', async () => {
  const closer = new BatchedCloser(8);
  const closed: number[] = [];
  closer.push(() => {
    throw new Error('socket already gone');
  });
  closer.push(() => closed.push(1));
  while (closer.pending) await nextTurn();
  await nextTurn();
  expect(closed).toEqual([1]);
});
