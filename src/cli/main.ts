#!/usr/bin/env node
/** The `espy` executable: run the command line and map the outcome to an exit code. */
import { hideBin } from 'yargs/helpers';
import { EXIT, main } from './espy.js';

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // `espy … | head` closes the pipe early: that is not an error.
  if (e.code === 'EPIPE') process.exit(EXIT.OK);
  throw e;
});

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`espy: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
