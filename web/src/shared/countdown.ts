import { onBeforeUnmount, ref } from 'vue';
import { ApiError } from './http';

/** Seconds left before another SMS code may be asked for, ticking down once a second. */
export function useCountdown() {
  const seconds = ref(0);
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  function start(from: number) {
    stop();
    seconds.value = Math.max(0, Math.ceil(from));
    if (seconds.value === 0) return;
    timer = setInterval(() => {
      seconds.value -= 1;
      if (seconds.value <= 0) stop();
    }, 1000);
  }
  /** After a refused request: waits out the Retry-After the server gave, if it gave one. */
  function waitOut(error: unknown) {
    if (error instanceof ApiError && error.body.retryAfterSeconds) start(error.body.retryAfterSeconds);
  }
  onBeforeUnmount(stop);
  return { seconds, start, waitOut };
}
