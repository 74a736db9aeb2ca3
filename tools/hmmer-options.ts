// Reporting thresholds hmmsearch and hmmscan share. Each is optional: left out, no flag is
// passed and HMMER's own defaults hold (report E-value <= 10 for sequences and domains). A
// model cutoff (Pfam's GA/TC/NC lines) replaces every threshold, and HMMER refuses the two
// together with a usage message on stdout that a failed job would not show, so the schema says
// it first.
import { z } from 'zod';
import type { ErrorRule } from './define-tool.js';

const eValue = (what: string) =>
  z
    .number()
    .positive({ message: 'must be greater than 0' })
    .max(10_000, { message: 'must be at most 10000' })
    .optional()
    .describe(`${what} (HMMER default 10; 1e-5 is a common strict cut-off). Leave unset with cutoff.`);

const CUTOFF_FLAGS = { gathering: '--cut_ga', trusted: '--cut_tc', noise: '--cut_nc' } as const;
const CUTOFF_TAGS = { gathering: 'GA', trusted: 'TC', noise: 'NC' } as const;
type Cutoff = keyof typeof CUTOFF_FLAGS;

export const thresholdOptions = {
  evalue: eValue('Report a sequence-model hit when its E-value is at or below this (-E)'),
  domain_evalue: eValue('Report a domain when its conditional E-value is at or below this (--domE)'),
  cutoff: z
    .enum(['gathering', 'trusted', 'noise'], { message: 'must be "gathering", "trusted" or "noise"' })
    .optional()
    .describe(
      "Use the models' own bit-score cutoffs instead of E-values: \"gathering\" (--cut_ga, Pfam's curated family thresholds, the usual choice with Pfam), \"trusted\" (--cut_tc) or \"noise\" (--cut_nc). Every model must carry them (Pfam models do; models built with hmmbuild usually do not). Default: unset, E-value thresholds.",
    ),
};

interface ThresholdParams {
  evalue?: number | undefined;
  domain_evalue?: number | undefined;
  cutoff?: Cutoff | undefined;
}

export const CUTOFF_WITH_EVALUE =
  'cutoff sets every threshold from the models\' own cutoff lines, so it cannot be combined with evalue or domain_evalue; leave those unset';

/** HMMER refuses a model cutoff together with an E-value threshold. */
export const cutoffAlone = (p: ThresholdParams) => p.cutoff === undefined || (p.evalue === undefined && p.domain_evalue === undefined);

export function thresholdArgs(p: ThresholdParams): string[] {
  const argv: string[] = [];
  if (p.evalue !== undefined) argv.push('-E', String(p.evalue));
  if (p.domain_evalue !== undefined) argv.push('--domE', String(p.domain_evalue));
  if (p.cutoff !== undefined) argv.push(CUTOFF_FLAGS[p.cutoff]);
  return argv;
}

// "Error: GA bit thresholds unavailable on model globins4": the profile, not the option, is short of something.
export function missingCutoffRule(field: string): ErrorRule {
  return {
    when: /(GA|TC|NC) bit thresholds unavailable on model/,
    field,
    message: (p) => {
      const cutoff = p.cutoff as Cutoff;
      return `${field}: a model has no ${CUTOFF_TAGS[cutoff]} line, which cutoff "${cutoff}" needs; leave cutoff unset to use E-value thresholds`;
    },
  };
}
