/**
 * The terminal size, re-read on every resize. Ink 6 has no useWindowSize
 * (it arrived in Ink 7, which needs Node 22), so this listens to stdout's
 * 'resize' itself. Fixed sizes (tests, whose fake stdout has no rows) win.
 */
import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface TerminalSize {
  readonly rows: number;
  readonly columns: number;
}

export default function useTerminalSize(fixed?: Partial<TerminalSize>): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => ({ rows: fixed?.rows ?? stdout.rows ?? 24, columns: fixed?.columns ?? stdout.columns ?? 80 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
    // `fixed` is compared by value: a new object with the same numbers must not re-subscribe.
  }, [stdout, fixed?.rows, fixed?.columns]);
  return fixed?.rows !== undefined && fixed.columns !== undefined ? { rows: fixed.rows, columns: fixed.columns } : size;
}
