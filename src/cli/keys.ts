/** STUB: `espy keys` (being built). */
export async function keysMain(_argv: string[]): Promise<number> {
  process.stderr.write('espy keys: not available yet\n');
  return 1;
}
