/** STUB: `espy audit` (being built). */
export async function auditMain(_argv: string[]): Promise<number> {
  process.stderr.write('espy audit: not available yet\n');
  return 1;
}
