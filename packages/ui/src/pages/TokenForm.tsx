import { useState } from 'react';

/** Asked once per browser session (and again after a 401); kept in sessionStorage only. */
export function TokenForm({ onSubmit, rejected }: { onSubmit: (token: string) => void; rejected: boolean }) {
  const [value, setValue] = useState('');
  return (
    <form
      className="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onSubmit(value.trim());
      }}
    >
      <h2>Operator token</h2>
      <p>
        This API requires its operator token (<code>MULTYAGENTS_OPERATOR_TOKEN</code>). It is kept in this
        tab&apos;s session storage only.
      </p>
      {rejected && (
        <p className="error" role="alert">
          <code>OPERATOR_TOKEN_INVALID</code> the API refused the token: enter it again.
        </p>
      )}
      <label>
        Token{' '}
        <input
          type="password"
          autoComplete="off"
          autoFocus
          value={value}
          onChange={(e) => setValue(e.target.value)}
          name="token"
        />
      </label>{' '}
      <button type="submit">Use token</button>
    </form>
  );
}
