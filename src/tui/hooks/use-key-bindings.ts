/**
 * All keys go to the controller through one useInput: pane focus is our own
 * state (Ink's focus manager would take Tab and Esc), and the controller
 * decides by mode (prompt, overlay, panes) what a key means.
 */
import { useApp, useInput } from 'ink';
import type { TuiController } from '../model/controller.js';

export default function useKeyBindings(c: TuiController): void {
  const { exit } = useApp();
  useInput((input, key) => {
    c.key(input, key);
    if (c.quit) exit();
  });
}
