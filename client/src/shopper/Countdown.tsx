import { useEffect, useState } from 'react';
import { countdownText } from './eta';

/** Time left until `to` (epoch ms, server clock), ticking. */
export function Countdown({ to, clockOffsetMs, testId = 'countdown' }: { to: number; clockOffsetMs: number; testId?: string }) {
  const [now, setNow] = useState(() => Date.now() + clockOffsetMs);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() + clockOffsetMs), 250);
    return () => clearInterval(timer);
  }, [clockOffsetMs]);
  // Read once a second by screen readers would be noise: the timer itself is not live.
  return (
    <time data-testid={testId} dateTime={new Date(to).toISOString()}>
      {countdownText(to - now)}
    </time>
  );
}
