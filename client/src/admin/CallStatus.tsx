import type { CallMessage } from './use-admin-call';

/** Where an action's sentence is said: a live region, so a screen reader hears it too. */
export function CallStatus({ message, testId }: { message: CallMessage | null; testId: string }) {
  return (
    <p role="status" aria-live="polite" className={message?.kind === 'problem' ? 'problem' : 'done'} data-testid={testId}>
      {message?.text ?? ''}
    </p>
  );
}
