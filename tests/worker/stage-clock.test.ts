import { expect, it } from 'vitest';
import { stageClock } from '../../worker/stage-clock.js';

it('gives each stage the time since the previous mark, adding up a stage marked twice', () => {
  const times = [0, 5, 12.34, 20, 21];
  const clock = stageClock(() => times.shift()!);
  clock.mark('inputs');
  clock.mark('tool run');
  clock.mark('inputs');
  clock.mark('files stored');
  expect(clock.stages()).toEqual({ inputs: 12.7, 'tool run': 7.3, 'files stored': 1 });
});
