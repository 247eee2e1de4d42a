/** An estimated wait in words, rounded the way a person would say it. */
export function etaWords(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return 'any moment now';
  if (seconds < 15) return 'a few seconds';
  if (seconds < 50) return 'less than a minute';
  if (seconds < 90) return 'about 1 minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} minutes`;
  const hours = Math.round(seconds / 360) / 10;
  return hours === 1 ? 'about 1 hour' : `about ${hours} hours`;
}

/** mm:ss, or h:mm:ss past an hour, for the countdown to the start. */
export function countdownText(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mmss = `${String(minutes).padStart(hours > 0 ? 2 : 1, '0')}:${String(seconds).padStart(2, '0')}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** How far along the line the shopper is, 0–1, from the first position this page saw. */
export function queueProgress(firstPosition: number, position: number): number {
  if (firstPosition <= 1) return position <= 1 ? 1 : 0;
  return Math.min(1, Math.max(0, (firstPosition - position) / (firstPosition - 1)));
}

/** A moment as this device's clock will show it: the time alone today, with the date otherwise. */
export function clockTimeText(ms: number, now = Date.now()): string {
  const sameDay = new Date(ms).toDateString() === new Date(now).toDateString();
  return new Date(ms).toLocaleString(undefined, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' });
}
