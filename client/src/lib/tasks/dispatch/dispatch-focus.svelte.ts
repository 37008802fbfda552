import { getContext, setContext } from 'svelte';
import type { Task } from '@jointmap/shared';

export interface FocusedTask {
  scope: string;
  task: Task;
}

/**
 * The task whose dispatch panel is open, shared between the panel (in the aside) and the ring
 * layer (on the map): the panel sets it while it is mounted, the layer draws rings around it.
 */
export class DispatchFocus {
  current = $state.raw<FocusedTask | null>(null);

  /** Focus `task`; returns the function that lets go of it (only if it is still the focused one). */
  hold(task: FocusedTask): () => void {
    this.current = task;
    return () => {
      if (this.current?.task.id === task.task.id) this.current = null;
    };
  }
}

const KEY = Symbol('dispatch-focus');

/** Called by the page that holds both the map and the panels (the console). */
export function provideDispatchFocus(): DispatchFocus {
  const focus = new DispatchFocus();
  setContext(KEY, focus);
  return focus;
}

/** The page's focus, or undefined where no page provided one (then no rings are drawn). */
export function useDispatchFocus(): DispatchFocus | undefined {
  return getContext<DispatchFocus | undefined>(KEY);
}
