import { useState } from 'react';
import type { ApiResult } from '../shared/http';
import { adminFailureMessage } from './admin-api';

/** How an operator's action ended, in a sentence. */
export interface CallMessage {
  kind: 'problem' | 'done';
  text: string;
}

/**
 * One operator action at a time: whether it is under way, and the sentence it ended with. A
 * refused admin token signs the operator out; any other refusal is said in the server's words.
 */
export function useAdminCall(onUnauthorized: () => void) {
  const [sending, setSending] = useState(false);
  const [message, setMessage] = useState<CallMessage | null>(null);

  /** Resolves with the answer's body, or null when it was refused. */
  async function call<T>(request: () => Promise<ApiResult<T>>, done: string): Promise<T | null> {
    setSending(true);
    const result = await request();
    setSending(false);
    if (result.ok) {
      setMessage({ kind: 'done', text: done });
      return result.body;
    }
    if (result.code === 'unauthorized') onUnauthorized();
    else setMessage({ kind: 'problem', text: adminFailureMessage(result) });
    return null;
  }

  return { sending, message, setMessage, call };
}
