// Input references no server may accept at submission, for one input parameter: paths that
// leave the roots (traversal, absolute, through symlinks, /proc, /dev), special files inside
// them, names too long or with NUL, relative and shell-looking strings, URLs of other schemes or
// of private addresses in every spelling, malformed or unknown upload://, job:// and s3://
// references, inline text that is not what the tool reads (wrong format, wrong residues, broken
// FASTA/FASTQ/SAM/HMM, control characters and unicode, larger than the inline limit), and random
// strings that are none of the accepted kinds. Every value here is wrong whatever the server's
// state: nothing relies on a host name not resolving or a database not existing.
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DATABASE_NAME } from '../../../tools/common-options.js';
import type { InputFormat, Residues } from '../../../tools/define-tool.js';
import type { HostileFiles } from './hostile-files.js';

/** What the parameter takes, from the catalog's InputSpec (residues resolved for the base parameters). */
export interface RefSpec {
  formats: readonly InputFormat[];
  residues: Residues;
  takesDatabaseName: boolean;
}

export interface RefContext {
  roots: readonly string[];
  inputsDir: string;
  dataDir: string;
  repo: string;
  traps: HostileFiles;
  inlineMaxBytes: number;
}

export interface HostileRef {
  value: string;
  kind: string;
}

const tagged = (kind: string, arb: fc.Arbitrary<string>): fc.Arbitrary<HostileRef> => arb.map((value) => ({ value, kind }));

/** Every kind of refused reference for one parameter, weighted so each kind turns up often. */
export function hostileReference(spec: RefSpec, ctx: RefContext): fc.Arbitrary<HostileRef> {
  return fc.oneof(
    tagged('path outside the roots', outsidePaths(ctx)),
    tagged('trap inside a root', fc.constantFrom(...ctx.traps.refused)),
    tagged('missing file', missingPaths(ctx)),
    tagged('relative or shell-like', relativeStrings(spec)),
    tagged('non-http URL', OTHER_SCHEMES),
    tagged('private address URL', privateUrls()),
    tagged('URL with credentials', credentialUrls()),
    tagged('malformed URL', MALFORMED_URLS),
    tagged('bad upload ref', uploadRefs()),
    tagged('bad job ref', jobRefs()),
    tagged('bad s3 ref', S3_REFS),
    tagged('inline of the wrong format', wrongFormatTexts(spec)),
    tagged('broken inline text', brokenTexts(spec)),
    tagged('oversized inline text', oversizedTexts(ctx.inlineMaxBytes)),
    tagged('random non-reference', randomNonReference(spec)),
  );
}

function outsidePaths(ctx: RefContext): fc.Arbitrary<string> {
  const absolute = fc.constantFrom(
    '/etc/passwd', '/etc/shadow', '/etc/hostname', '/proc/self/environ', '/proc/self/mem', '/proc/self/cmdline', '/proc/self/fd/0',
    '/proc/1/environ', '/proc/self/cwd/package.json', '/dev/zero', '/dev/urandom', '/dev/null', '/dev/stdin', '/sys/kernel/notes',
    '/', '/root/.ssh/id_rsa', '/var/run/docker.sock', os.tmpdir(), ctx.dataDir, path.join(ctx.dataDir, 'link-secret'),
    path.join(ctx.repo, 'package.json'), path.join(ctx.repo, 'fixtures', '..', 'package.json'),
  );
  // root/../../<target>: lexically inside a root until the ".." segments are resolved.
  const traversal = fc
    .tuple(fc.constantFrom(...ctx.roots, ctx.inputsDir), fc.integer({ min: 1, max: 12 }), fc.constantFrom('/', '/./', '//'), fc.constantFrom('etc/passwd', 'proc/self/environ', 'dev/zero', 'root/.ssh/id_rsa', 'package.json'))
    .map(([root, ups, sep, target]) => `${root}${sep}${'..'.concat(sep).repeat(ups)}${target}`);
  return fc.oneof(absolute, traversal);
}

function missingPaths(ctx: RefContext): fc.Arbitrary<string> {
  const name = fc.string({ maxLength: 40 }).filter((s) => !s.includes('\n'));
  return fc.oneof(
    fc.tuple(fc.constantFrom(...ctx.roots), name).map(([root, s]) => `${root}/missing-${s}`),
    fc.integer({ min: 256, max: 600 }).map((n) => `${ctx.inputsDir}/${'a'.repeat(n)}`),
    fc.integer({ min: 21, max: 40 }).map((n) => `${ctx.inputsDir}/${`${'b'.repeat(200)}/`.repeat(n)}x`),
    fc.constantFrom(`${ctx.traps.valid.fasta}\u0000.txt`, `${ctx.inputsDir}/\u0000`, `${ctx.traps.valid.fasta}/`, `${ctx.traps.valid.fasta}/x`),
  );
}

function relativeStrings(spec: RefSpec): fc.Arbitrary<string> {
  return fc
    .constantFrom(
      '../etc/passwd', './lambda_virus.fa', 'fixtures/lambda_virus.fa', '~/.ssh/id_rsa', '~', '.', '..', '-rf', '--version', '-query=/etc/passwd',
      '$(id)', '`id`', ';rm -rf /', '|cat /etc/passwd', '&& reboot', 'C:\\Windows\\win.ini', '\\\\server\\share\\x.fa', 'lambda', 'reads.fq', ' /etc/passwd',
    )
    .filter((s) => !(spec.takesDatabaseName && DATABASE_NAME.test(s)));
}

const OTHER_SCHEMES = fc.constantFrom(
  'file:///etc/passwd', 'file://localhost/etc/passwd', 'FILE:///etc/passwd', 'ftp://example.org/x.fa', 'ftps://example.org/x.fa',
  'gopher://127.0.0.1:6379/_INFO', 'dict://127.0.0.1:6379/info', 'ssh://example.org/x', 'sftp://example.org/x', 'ldap://example.org/x',
  'jar:file:///x.jar!/y', 'data://text/plain,ACGT', 'data:text/plain,ACGT', 'javascript://alert(1)', 'ws://example.org/x', 'redis://127.0.0.1:6379',
  'unix:///var/run/docker.sock', 'http:/example.org/x.fa', 'https:example.org/x.fa',
);

// Loopback, private, link-local, unique-local, multicast and "this host", as IP literals in the
// spellings URL parsers accept: dotted, short, octal, hex, decimal, IPv6 and IPv4-in-IPv6. (Host
// names are judged when the worker resolves them, so none is here: they are not refused at submit.)
function privateUrls(): fc.Arbitrary<string> {
  const octet = fc.integer({ min: 0, max: 255 });
  const spelled = fc.constantFrom(
    '127.0.0.1', '127.1', '127.255.255.254', '0x7f.1', '0177.0.0.1', '2130706433', '0x7f000001', '0', '0.0.0.0',
    '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '192.0.2.1', '198.18.0.1', '224.0.0.1', '255.255.255.255',
    '[::1]', '[::]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[0:0:0:0:0:ffff:10.0.0.1]', '[64:ff9b::127.0.0.1]', '[2002:7f00:1::]', '[fe80::1]', '[fc00::1]',
    '[fd12:3456::1]', '[ff02::1]', '[2001:db8::1]', '[2001::1]',
  );
  const ranged = fc.oneof(
    fc.tuple(octet, octet, octet).map(([a, b, c]) => `10.${a}.${b}.${c}`),
    fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([a, b, c]) => `172.${a}.${b}.${c}`),
    fc.tuple(octet, octet).map(([a, b]) => `192.168.${a}.${b}`),
    fc.tuple(octet, octet, octet).map(([a, b, c]) => `127.${a}.${b}.${c}`),
    fc.tuple(octet, octet).map(([a, b]) => `169.254.${a}.${b}`),
  );
  return fc
    .tuple(fc.constantFrom('http', 'https', 'HTTP', 'hTTps'), fc.oneof(spelled, ranged), fc.constantFrom('', ':80', ':6379', ':8000'), fc.constantFrom('/', '/x.fa', '/latest/meta-data/', '/?a=1#f', ''))
    .map(([scheme, host, port, rest]) => `${scheme}://${host}${port}${rest}`);
}

function credentialUrls(): fc.Arbitrary<string> {
  const part = fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent);
  return fc.tuple(part, fc.option(part, { nil: undefined })).map(([user, pass]) => `https://${user}${pass === undefined ? '' : `:${pass}`}@example.org/reads.fa`);
}

const MALFORMED_URLS = fc.constantFrom(
  'http://', 'https://', 'http://[::1', 'http://exa mple.org/', 'http://%zz/', 'https://a:99999/', 'http://[gg::1]/', 'http://[fe80::1%25eth0]/',
  'http://1.2.3.4.5/', 'http://256.0.0.1/', 'https://\u0000/', 'http://\u202e/',
);

function uploadRefs(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('upload://', 'upload://short', 'upload://../../etc/passwd', `upload://${'A'.repeat(65)}`, 'upload:AAAAAAAAAA', 'UPLOAD://aaaaaaaa?', 'upload://aaaaaaaa/..', 'upload:// aaaaaaaaa'),
    // Well formed, never issued.
    fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/).map((id) => `upload://${id}`),
  );
}

function jobRefs(): fc.Arbitrary<string> {
  const part = fc.string({ minLength: 1, maxLength: 24 }).filter((s) => !/[/\s]/.test(s));
  return fc.oneof(
    fc.constantFrom(
      'job://', 'job://x', 'job:///x', 'job://../../etc/passwd', 'job://blast-0000000000000000/hits.tsv', 'job://blast-0000000000000000/../../../etc/passwd',
      'job://a/%E0%A4%A', 'job://a/%', 'job://a/%2e%2e%2fpasswd', 'job://a/%00', 'JOB://a/b', 'job:a/b',
    ),
    fc.tuple(part, part).map(([id, name]) => `job://${id}/${name}`),
  );
}

const S3_REFS = fc.constantFrom('s3://', 's3://b', 's3://bucket', 's3://UPPER/key', 's3://bucket/key', 's3://bio-mcp-queue/uploads/x', 's3://../etc/passwd', 'S3://bucket/key', 's3:bucket/key');

// Text of a format the parameter does not take (any text at all, for a BAM-only one).
function wrongFormatTexts(spec: RefSpec): fc.Arbitrary<string> {
  const texts: string[] = ['##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n', 'BCF\u0002\n', 'CRAM\u0003\u0000\n', 'BAM\u0001\nxx'];
  if (!spec.formats.includes('fasta')) texts.push('>r1\nACGTACGT\n');
  if (!spec.formats.includes('fastq')) texts.push('@r1\nACGT\n+\nIIII\n');
  if (!spec.formats.includes('sam')) texts.push('@HD\tVN:1.6\n@SQ\tSN:c1\tLN:9\n');
  if (!spec.formats.includes('hmm')) texts.push('HMMER3/f [3.3 | Nov 2019]\nNAME  x\nLENG  1\n//\n');
  return fc.constantFrom(...texts);
}

const NUCLEOTIDES = 'ACGT';
// Letters no nucleotide code uses: a record of them is clearly protein.
const PROTEIN_ONLY = 'EFILPQ';
const letters = (alphabet: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });
/** Bytes a FASTA sequence line never holds (nor a FASTQ one, but for "."): digits, punctuation, control characters, non-ASCII. */
const BAD_SEQUENCE_CHARS = ['1', '0', '!', '.', '@', '#', '/', '\u0000', '\u0001', '\u001b', '\u007f', '\u00a0', '\u00e9', '\u0391', '\u200b', '\u202e', '\ufeff', '😀'];

// Structurally broken text of each format the parameter takes, and records of the wrong residues.
function brokenTexts(spec: RefSpec): fc.Arbitrary<string> {
  const good = spec.residues === 'protein' ? letters('ACDEFGHIKLMNPQRSTVWY', 1, 30) : letters(NUCLEOTIDES, 1, 30);
  const id = fc.stringMatching(/^[A-Za-z0-9_.|-]{1,20}$/);
  const bad = fc.constantFrom(...BAD_SEQUENCE_CHARS);
  // A read may hold "." for a no-call (src/inputs/fastq-check.ts); a FASTA sequence may not.
  const badInRead = fc.constantFrom(...BAD_SEQUENCE_CHARS.filter((c) => c !== '.'));
  const texts: fc.Arbitrary<string>[] = [];
  if (spec.formats.includes('fasta')) {
    texts.push(
      good.map((seq) => `>\n${seq}\n`),
      fc.constantFrom('> \nACGT\n', '>\t\nACGT\n'),
      id.map((name) => `>${name}\n`),
      id.map((name) => `>${name}`),
      fc.tuple(id, good, bad, good).map(([name, a, b, c]) => `>${name}\n${a}${b}${c}\n`),
      fc.tuple(id, good).map(([name, seq]) => `>${name}\n${seq}\n>second\n`),
    );
  }
  if (spec.formats.includes('fastq')) {
    const read = fc.tuple(id, good);
    texts.push(
      read.map(([name, seq]) => `@${name}\n${seq}\n+\n${'I'.repeat(seq.length + 1)}\n`),
      read.map(([name, seq]) => `@${name}\n${seq}\n${'I'.repeat(seq.length)}\n`),
      read.map(([name, seq]) => `@${name}\n${seq}\n`),
      fc.tuple(id, good, badInRead, good).map(([name, a, b, c]) => `@${name}\n${a}${b}${c}\n+\n${'I'.repeat(a.length + 1 + c.length)}\n`),
      fc.tuple(read, fc.constantFrom(' ', '\u0000', '\u007f', '\u00e9')).map(([[name, seq], q]) => `@${name}\n${seq}\n+\n${q}${'I'.repeat(seq.length - 1)}\n`),
    );
  }
  if (spec.formats.includes('sam')) {
    texts.push(fc.constantFrom('@HD\tVN:1.6\nr1\t0\tchr1\n', '@HD\tVN:1.6\n\nr1\t0\tchr1\t1\t60\t4M\t*\t0\t0\tACGT\tIIII\n', 'r1\t0\tchr1\t1\t60\t4M\t*\t0\t0\tACGT\tIIII\n@HD\tVN:1.6\n', '@HD\tVN:1.6\nr1\tX\tchr1\t1\t60\t4M\t*\t0\t0\tACGT\tIIII\n'));
  }
  if (spec.formats.includes('hmm')) {
    texts.push(fc.constantFrom('HMMER3/f [3.3 | Nov 2019]\nNAME  x\nLENG  1\n', 'HMMER3/f [3.3 | Nov 2019]\nLENG  1\n//\n', 'HMMER3/f\n'));
  }
  // A residue kind the parameter refuses.
  if (spec.residues === 'nucleotide' && (spec.formats.includes('fasta') || spec.formats.includes('fastq'))) {
    const protein = letters(PROTEIN_ONLY, 3, 60);
    if (spec.formats.includes('fasta')) texts.push(fc.tuple(id, protein).map(([name, seq]) => `>${name}\n${seq}\n`));
    if (spec.formats.includes('fastq')) texts.push(fc.tuple(id, protein).map(([name, seq]) => `@${name}\n${seq}\n+\n${'I'.repeat(seq.length)}\n`));
  }
  if (spec.residues === 'protein' && spec.formats.includes('fasta')) {
    texts.push(fc.tuple(id, letters(NUCLEOTIDES, 10, 80)).map(([name, seq]) => `>${name}\n${seq}\n`));
  }
  // Text that is no format at all.
  texts.push(fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 })).map(([a, b]) => `Not sequence data: ${a.replace(/\n/g, ' ')}\n${b}`));
  return fc.oneof(...texts);
}

// Well-formed FASTA, just past or well past the inline limit: refused before it is read.
function oversizedTexts(max: number): fc.Arbitrary<string> {
  return fc.integer({ min: 1, max: 64 * 1024 }).map((extra) => `>big\n${'ACGT'.repeat(Math.ceil((max + extra) / 4))}\n`);
}

// Any string that is none of the kinds a reference can be: no line break or ">" (inline text),
// not http(s):// (a URL is checked for its address only when fetched), not absolute (a path),
// not a database name where the parameter takes one.
function randomNonReference(spec: RefSpec): fc.Arbitrary<string> {
  return fc
    .oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }))
    .filter((s) => !s.includes('\n') && !s.trimStart().startsWith('>') && !/^https?:\/\//i.test(s) && !path.isAbsolute(s) && !(spec.takesDatabaseName && DATABASE_NAME.test(s)));
}
