import { useEffect, useId, useRef, useState, type FormEvent } from 'react';

/** Asks for the admin token; a refusal is said above the field, and focus goes back to it. */
export function AdminLogin({ problem, onToken }: { problem: string | null; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  const inputId = useId();
  const problemId = useId();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), [problem]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (token.trim() !== '') onToken(token.trim());
  }

  return (
    <form className="admin-login" onSubmit={submit}>
      <h2>Sign in</h2>
      <p role="alert" id={problemId} className={problem ? 'problem' : 'problem empty'}>
        {problem ?? ''}
      </p>
      <label htmlFor={inputId}>Admin token</label>
      <input
        id={inputId}
        ref={input}
        type="password"
        autoComplete="current-password"
        value={token}
        onChange={(event) => setToken(event.target.value)}
        aria-describedby={problem ? problemId : undefined}
        aria-invalid={problem ? true : undefined}
      />
      <button type="submit">Open the console</button>
    </form>
  );
}
