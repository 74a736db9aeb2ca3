// A pipeline step's inputs that are earlier steps' outputs (`step:<n>/<file>`), turned into the
// stored files those steps published (publish-once.ts) just before the step is staged. The
// earlier step has completed by now: BullMQ runs a parent only after its children.
import { BioQueueError } from '../src/errors.js';
import type { InputRef } from '../src/inputs/input-ref.js';
import type { JobData } from '../src/jobs/job-model.js';
import type { ResultLedger } from './publish-once.js';

export async function resolveStepInputs(data: JobData, ledger: Pick<ResultLedger, 'published'>): Promise<JobData> {
  const resolveOne = async (field: string, ref: InputRef): Promise<InputRef> => {
    if (ref.kind !== 'step') return ref;
    const result = await ledger.published(ref.job_id);
    // Gone only if the step's result expired or was removed: nothing a retry can bring back.
    if (!result) throw new BioQueueError('input_invalid', `${field}: step ${ref.step} (job ${ref.job_id}) has no published result to take "${ref.name}" from`, { field });
    const file = result.files.find((f) => f.name === ref.name);
    if (!file) throw new BioQueueError('input_invalid', `${field}: step ${ref.step} (job ${ref.job_id}) made no file "${ref.name}"`, { field });
    return { kind: 'stored', key: file.key, name: `step:${ref.step}/${ref.name}` };
  };
  const inputs: JobData['inputs'] = {};
  for (const [param, given] of Object.entries(data.inputs)) {
    inputs[param] = Array.isArray(given) ? await Promise.all(given.map((ref, i) => resolveOne(`${param}.${i}`, ref))) : await resolveOne(param, given);
  }
  return { ...data, inputs };
}
