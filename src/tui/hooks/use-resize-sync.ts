/** Keeps the controller's layout in step with the terminal size (page sizes and list windows depend on it). */
import { useLayoutEffect } from 'react';
import type { TuiController } from '../model/controller.js';
import type { TerminalSize } from './use-terminal-size.js';

export default function useResizeSync(c: TuiController, size: TerminalSize): void {
  useLayoutEffect(() => {
    c.resize(size.rows, size.columns);
  }, [c, size.rows, size.columns]);
}
