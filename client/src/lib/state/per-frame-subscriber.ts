import { createSubscriber } from 'svelte/reactivity';

/**
 * A Svelte subscriber whose readers re-run at most once per animation frame, however often
 * `listen` reports a change. `listen` starts listening and returns the function that stops it.
 *
 * @example const subscribe = perFrameSubscriber((changed) => annotations.subscribe(changed));
 */
export function perFrameSubscriber(listen: (changed: () => void) => () => void): () => void {
  return createSubscriber((update) => {
    let frame = 0;
    const off = listen(() => {
      if (!frame) frame = requestAnimationFrame(() => ((frame = 0), update()));
    });
    return () => {
      cancelAnimationFrame(frame);
      off();
    };
  });
}
