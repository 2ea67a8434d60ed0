import { useEffect, useMemo, useState } from 'react';
import { getToken, notifyUnauthorized, onUnauthorized, setToken } from './lib/api';
import { LiveContext } from './lib/hooks';
import { LiveBus, parseEvent } from './lib/live';
import { startEventStream, type StreamState } from './lib/sse';
import { Approvals } from './pages/Approvals';
import { Builder, type BuilderMode } from './pages/Builder';
import { Projects } from './pages/Projects';
import { Roles } from './pages/Roles';
import { Workflows } from './pages/Workflows';
import { Overview } from './pages/Overview';
import { RunPage } from './pages/RunPage';
import { Runners } from './pages/Runners';
import { Runs } from './pages/Runs';
import { TokenForm } from './pages/TokenForm';
import { Tasks } from './pages/Tasks';
import { SkillPacks } from './pages/SkillPacks';
import { DrillPage, Drills } from './pages/Drills';

/** Hash routes (`#/runs/3`): the panel lives under /ui/ and never shadows an API path. */
function useHashRoute(): string {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  // A query after the path (`#/workflows?created=3`) is the page's own business.
  return hash.replace(/^#/, '').split('?')[0] || '/overview';
}

const NAV = [
  ['/overview', 'Overview'],
  ['/runs', 'Runs'],
  ['/approvals', 'Approvals'],
  ['/runners', 'Runners'],
  ['/workflows', 'Workflows'],
  ['/roles', 'Roles'],
  ['/projects', 'Projects'],
  ['/tasks', 'Tasks'],
  ['/skill-packs', 'Skill packs'],
  ['/drills', 'Drills'],
] as const;

export function App() {
  const route = useHashRoute();
  const bus = useMemo(() => new LiveBus(), []);
  const [token, setTok] = useState<string | null>(() => getToken());
  const [askToken, setAskToken] = useState(false);
  const [stream, setStream] = useState<StreamState>('connecting');

  useEffect(() => onUnauthorized(() => setAskToken(true)), []);

  // One live stream for every view; a reconnect resumes from the last event id (no gaps, no repeats).
  useEffect(() => {
    if (askToken) return;
    let opened = 0;
    const h = startEventStream({
      url: '/events/stream',
      token,
      onFrame: (f) => {
        const e = f.event === 'message' ? parseEvent(f.data) : null;
        if (e) bus.publish(e);
      },
      onState: (s) => {
        setStream(s);
        if (s === 'unauthorized') notifyUnauthorized();
        // Views loaded before a reconnect may predate events older than the stream's window.
        if (s === 'open' && opened++ > 0) bus.refreshAll();
      },
    });
    return () => h.stop();
  }, [bus, token, askToken]);

  const page = (() => {
    const run = /^\/runs\/(\d+)$/.exec(route);
    if (run) return <RunPage key={run[1]} id={Number(run[1])} />;
    if (route === '/runs') return <Runs />;
    if (route === '/approvals') return <Approvals />;
    if (route === '/runners') return <Runners />;
    if (route === '/workflows') return <Workflows />;
    if (route === '/workflows/new') return <Builder />;
    const wf = /^\/workflows\/(\d+)\/(edit|duplicate)$/.exec(route);
    if (wf) return <Builder key={route} mode={wf[2] as BuilderMode} templateId={Number(wf[1])} />;
    if (route === '/roles') return <Roles />;
    if (route === '/projects') return <Projects />;
    if (route === '/tasks') return <Tasks />;
    if (route === '/skill-packs') return <SkillPacks />;
    if (route === '/drills') return <Drills />;
    const drill = /^\/drills\/([A-Za-z0-9._-]+)$/.exec(route);
    if (drill) return <DrillPage key={drill[1]} id={drill[1]!} />;
    return <Overview />;
  })();

  return (
    <LiveContext.Provider value={bus}>
      <header>
        <h1>multyagents</h1>
        <nav aria-label="Sections">
          {NAV.map(([path, label]) => (
            <a key={path} href={`#${path}`} aria-current={route.startsWith(path) ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span
          className={`stream stream-${stream}`}
          role="status"
          aria-label="Live updates"
          data-testid="stream"
        >
          live: {stream}
        </span>
      </header>
      <main>
        {askToken ? (
          <TokenForm
            rejected={token !== null}
            onSubmit={(t) => {
              setToken(t);
              setTok(t);
              setAskToken(false);
              bus.refreshAll();
            }}
          />
        ) : (
          page
        )}
      </main>
    </LiveContext.Provider>
  );
}
