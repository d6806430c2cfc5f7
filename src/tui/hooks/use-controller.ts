/**
 * Re-renders when the controller changes (a key, a loaded batch, filter or
 * analysis progress). The controller is mutable; a version counter is the
 * React state, and view models are rebuilt from the controller each render.
 */
import { useEffect, useState } from 'react';
import type { TuiController } from '../model/controller.js';

export default function useController(c: TuiController): number {
  const [version, setVersion] = useState(0);
  useEffect(() => c.subscribe(() => setVersion((v) => v + 1)), [c]);
  return version;
}
