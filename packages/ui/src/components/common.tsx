import type { ReactNode } from 'react';
import type { ApiError } from '../lib/api';

export function ErrorBox({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <code>{error.code}</code> {error.detail}
    </div>
  );
}

export function Status({ value }: { value: string | null | undefined }) {
  const v = value ?? 'none';
  return <span className={`status status-${v}`}>{v}</span>;
}

export function Loading({ when, children }: { when: boolean; children?: ReactNode }) {
  return when ? <p className="muted">{children ?? 'Loading…'}</p> : null;
}

export function Empty({ when, children }: { when: boolean; children: ReactNode }) {
  return when ? <p className="muted empty">{children}</p> : null;
}

export function duration(start: string | null, end: string | null, now = Date.now()): string {
  if (!start) return '—';
  const ms = (end ? Date.parse(end) : now) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function Triage({ hints, actions }: { hints: string[]; actions: string[] }) {
  if (hints.length === 0 && actions.length === 0) return null;
  return (
    <div className="triage">
      {hints.length > 0 && (
        <>
          <h4>Triage hints</h4>
          <ul>
            {hints.map((h, i) => (
              <li key={i}>{h}</li>
            ))}
          </ul>
        </>
      )}
      {actions.length > 0 && (
        <>
          <h4>Next actions</h4>
          <ul>
            {actions.map((h, i) => (
              <li key={i}>{h}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
