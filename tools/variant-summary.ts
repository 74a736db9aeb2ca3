// A variant-calling summary a model can use, read from bcftools' own output: the counts by type,
// Ts/Tv and each sample's genotype counts from the `bcftools stats -s -` report a step writes,
// and the first few records of the VCF itself (CHROM POS REF ALT QUAL and each sample's GT).
import type { OutputReader } from './define-tool.js';

export interface VariantSummary {
  records: number;
  snps: number;
  mnps: number;
  indels: number;
  others: number;
  multiallelic_sites: number;
  transitions: number;
  transversions: number;
  /** bcftools' own ratio, as it prints it (two decimals); null when there are no transversions to divide by. */
  ts_tv: number | null;
  samples: SampleGenotypes[];
  first_records: VariantRecord[];
}

/**
 * Genotypes of one sample at SNP and indel sites: PSC counts SNPs only, PSI indels (an alt-het
 * with both an insertion and a deletion allele counts in both of PSI's het columns).
 */
export interface SampleGenotypes {
  name: string;
  hom_alt: number;
  het: number;
}

export interface VariantRecord {
  chrom: string;
  pos: number;
  ref: string;
  alt: string;
  qual: number | null;
  /** GT of each sample, in the order of `samples`. */
  gt: string[];
}

/** Records shown; the rest are in the VCF. */
const RECORDS_SHOWN = 5;
/** Samples listed; the rest are in the stats report. */
const SAMPLES_SHOWN = 20;

export async function summarizeVariants(outputs: OutputReader, vcf: string, stats: string): Promise<VariantSummary> {
  const counts = new Map<string, number>();
  let tstv = { ts: 0, tv: 0, ratio: null as number | null };
  const snpGenotypes = new Map<string, { homAlt: number; het: number }>();
  const indelGenotypes = new Map<string, { homAlt: number; het: number }>();
  for await (const line of outputs.lines(stats)) {
    const f = line.split('\t');
    // SN  0  number of records:  84
    if (f[0] === 'SN') counts.set(f[2]!.replace(/:$/, ''), Number(f[3]));
    // TSTV  0  ts  tv  ts/tv  (then the same for first ALTs only)
    else if (f[0] === 'TSTV') tstv = { ts: Number(f[2]), tv: Number(f[3]), ratio: Number(f[3]) > 0 ? Number(f[4]) : null };
    // PSC  0  sample  nRefHom  nNonRefHom  nHets  …
    else if (f[0] === 'PSC') snpGenotypes.set(f[2]!, { homAlt: Number(f[4]), het: Number(f[5]) });
    // PSI  0  sample  in-frame  out-frame  n/a  ratio  nInsHets  nDelHets  nInsAltHoms  nDelAltHoms
    else if (f[0] === 'PSI') indelGenotypes.set(f[2]!, { homAlt: Number(f[9]) + Number(f[10]), het: Number(f[7]) + Number(f[8]) });
  }
  const count = (key: string) => counts.get(key) ?? 0;
  const samples = [...snpGenotypes].slice(0, SAMPLES_SHOWN).map(([name, snp]) => {
    const indel = indelGenotypes.get(name) ?? { homAlt: 0, het: 0 };
    return { name, hom_alt: snp.homAlt + indel.homAlt, het: snp.het + indel.het };
  });
  return {
    records: count('number of records'),
    snps: count('number of SNPs'),
    mnps: count('number of MNPs'),
    indels: count('number of indels'),
    others: count('number of others'),
    multiallelic_sites: count('number of multiallelic sites'),
    transitions: tstv.ts,
    transversions: tstv.tv,
    ts_tv: tstv.ratio,
    samples,
    first_records: await firstRecords(outputs, vcf),
  };
}

// The first records of the VCF, read as far as needed and no further.
async function firstRecords(outputs: OutputReader, vcf: string): Promise<VariantRecord[]> {
  const records: VariantRecord[] = [];
  for await (const line of outputs.lines(vcf)) {
    if (line.startsWith('#') || line === '') continue;
    // CHROM POS ID REF ALT QUAL FILTER INFO FORMAT sample…
    const f = line.split('\t');
    const gtAt = (f[8] ?? '').split(':').indexOf('GT');
    records.push({
      chrom: f[0]!,
      pos: Number(f[1]),
      ref: f[3]!,
      alt: f[4]!,
      qual: f[5] === '.' ? null : Number(f[5]),
      gt: f.slice(9, 9 + SAMPLES_SHOWN).map((sample) => (gtAt < 0 ? '.' : (sample.split(':')[gtAt] ?? '.'))),
    });
    if (records.length === RECORDS_SHOWN) break;
  }
  return records;
}
