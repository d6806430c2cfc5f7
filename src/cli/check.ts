/**
 * `espy check -r FILE --policy POLICY.yaml [--keys F]… [--psk S]… [-T text|json|junit] [-o OUT]`
 *
 * Evaluates a CI policy (docs/policy.md) over a capture and reports each rule
 * as PASS, FAIL or SKIP with its evidence.
 *
 * Exit codes:
 *   0  every rule passed (or was skipped under `unverifiable: skip`)
 *   1  usage error, or the policy file is unreadable or invalid (nothing was checked)
 *   2  at least one rule failed
 *   3  the capture could not be read, or is cut short / corrupt (the report covers
 *      the packets before the fault; 3 wins over 2 so a broken capture never passes)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import yargs from 'yargs';
import { parsePolicy, PolicyError, type Policy } from '../check/policy.js';
import { gatherFacts, CaptureUnreadable, type CheckEngine } from '../check/facts.js';
import { evaluate } from '../check/evaluate.js';
import { checkJson, checkJunit, checkText, overall, type CheckReport } from '../check/render.js';

export const CHECK_EXIT = { PASS: 0, USAGE: 1, FAIL: 2, BAD_CAPTURE: 3 } as const;

class Usage extends Error {}

export async function checkMain(argv: string[]): Promise<number> {
  let a: Record<string, unknown>;
  try {
    a = await yargs(argv)
      .scriptName('espy check')
      .usage(
        '$0 -r FILE --policy POLICY.yaml [options]\n\nEvaluate a policy (docs/policy.md) over a capture: expected IKE SAs, allowed proposals, failures, NAT-T, ESP traffic.\n' +
          'Exit codes: 0 all rules pass, 1 usage or policy error, 2 a rule failed, 3 bad capture.',
      )
      .command('$0 [file]', false)
      .parserConfiguration({ 'greedy-arrays': false })
      .option('r', { alias: 'read-file', type: 'string', describe: 'capture file to read (- for stdin)' })
      .option('policy', { alias: 'p', type: 'string', describe: 'policy file (YAML or JSON)' })
      .option('keys', { type: 'string', array: true, describe: 'key file for decryption (repeatable; formats as for espy -r --keys)' })
      .option('psk', { type: 'string', array: true, describe: 'pre-shared key for decryption (repeatable): SECRET, 0xHEX or PEER=SECRET' })
      .option('psk-file', { type: 'string', array: true, describe: 'file of PSKs, one per line' })
      .option('T', { choices: ['text', 'json', 'junit'], default: 'text', describe: 'report format' })
      .option('o', { alias: 'output', type: 'string', describe: 'write the report to this file (the text report still goes to stdout)' })
      .help()
      .alias('h', 'help')
      .version(false)
      .strict()
      .fail((msg, err) => {
        throw err ?? new Usage(msg);
      })
      .parseAsync();
  } catch (e) {
    process.stderr.write(`espy check: ${(e as Error).message}\n\nRun 'espy check --help' for the options.\n`);
    return CHECK_EXIT.USAGE;
  }

  const file = (a.r as string | undefined) ?? (a.file as string | undefined);
  const usage = (m: string) => {
    process.stderr.write(`espy check: ${m}\n`);
    return CHECK_EXIT.USAGE;
  };
  if (!file) return usage('no capture file given (espy check -r FILE --policy POLICY.yaml)');
  if (a.r !== undefined && a.file !== undefined) return usage(`two capture files given (${String(a.r)} and ${String(a.file)})`);
  const policyFile = a.policy as string | undefined;
  if (!policyFile) return usage('no policy given (--policy POLICY.yaml)');

  let policy: Policy;
  try {
    policy = parsePolicy(readFileSync(policyFile, 'utf8'), policyFile);
  } catch (e) {
    if (e instanceof PolicyError) {
      process.stderr.write(`espy check: invalid policy\n${e.problems.map((p) => `  ${p}`).join('\n')}\n`);
      return CHECK_EXIT.USAGE;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code) return usage(`${policyFile}: cannot read the policy: ${err.message}`);
    throw e;
  }

  // Keys: loaded by the shared --keys/--psk/--psk-file code of `espy -r` (src/cli/decrypt-options.ts),
  // imported only when keys are given so a key-less check never loads the decryption code.
  let engine: CheckEngine | undefined;
  const keyArgs = ['keys', 'psk', 'psk-file'].some((k) => ((a[k] as string[] | undefined) ?? []).length > 0);
  if (keyArgs) {
    const d = await import('./decrypt-options.js');
    try {
      engine = d.engineFromArgs(a);
    } catch (e) {
      if (e instanceof d.KeyLoadError) return usage(e.message);
      throw e;
    }
  }

  let report: CheckReport;
  try {
    const facts = await gatherFacts(file, engine);
    report = { policy, facts, rules: evaluate(policy, facts) };
  } catch (e) {
    if (e instanceof CaptureUnreadable) {
      process.stderr.write(`espy check: ${e.message}\n`);
      return CHECK_EXIT.BAD_CAPTURE;
    }
    throw e;
  }

  const format = a.T as 'text' | 'json' | 'junit';
  const out = format === 'json' ? checkJson(report) : format === 'junit' ? checkJunit(report) : checkText(report);
  if (a.o) {
    try {
      writeFileSync(a.o as string, out);
    } catch (e) {
      return usage(`-o ${String(a.o)}: ${(e as Error).message}`);
    }
    process.stdout.write(checkText(report));
  } else process.stdout.write(out);
  if (report.facts.error) {
    process.stderr.write(`espy check: ${report.facts.error}\n`);
    return CHECK_EXIT.BAD_CAPTURE;
  }
  return overall(report) === 'fail' ? CHECK_EXIT.FAIL : CHECK_EXIT.PASS;
}
