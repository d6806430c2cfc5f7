/** STUB: `espy check` (being built). */
export async function checkMain(_argv: string[]): Promise<number> {
  process.stderr.write('espy check: not available yet\n');
  return 1;
}
