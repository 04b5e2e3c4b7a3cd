import { useCallback, useEffect, useState } from 'react';
import { CoincidencePage } from './CoincidencePage.tsx';
import { DelayKernelPage } from './DelayKernelPage.tsx';
import { DelaysVsWeightsPage } from './DelaysVsWeightsPage.tsx';
import { defaultLearnState, LEARN_PAGES, learnLink, parseLearnLink, type LearnState } from './learnLink.ts';
import { TargetsPage } from './TargetsPage.tsx';
import { TwoSpikesPage } from './TwoSpikesPage.tsx';

/**
 * The Learn section: one short page per idea, each a few sentences and one live figure run by
 * the CPU engine (no WebGPU needed). The address always holds the page's state, so copying it
 * shares exactly what is on screen; a pasted link (hashchange) is opened in place.
 */
export function LearnApp() {
  const [state, setState] = useState<LearnState>(() => parseLearnLink(location.hash));
  useEffect(() => {
    const fragment = learnLink(state);
    if (location.hash !== fragment) history.replaceState(history.state, '', fragment);
  }, [state]);
  useEffect(() => {
    const opened = (): void => setState(parseLearnLink(location.hash));
    window.addEventListener('hashchange', opened);
    return () => window.removeEventListener('hashchange', opened);
  }, []);
  const change = useCallback((next: LearnState) => setState(next), []);
  return (
    <div className="learn">
      <header className="learn-header">
        <p className="learn-brand">
          <a href="./index.html">Delay Lab</a> · Learn
        </p>
        <nav aria-label="Learn pages">
          <ol>
            {LEARN_PAGES.map((p) => (
              <li key={p.id}>
                <a
                  href={learnLink(defaultLearnState(p.id))}
                  aria-current={p.id === state.page ? 'page' : undefined}
                  data-testid={`nav-${p.id}`}
                >
                  {p.title}
                </a>
              </li>
            ))}
          </ol>
        </nav>
      </header>
      <main>
        {state.page === 'two-spikes' && <TwoSpikesPage state={state} onChange={change} />}
        {state.page === 'delay-kernel' && <DelayKernelPage state={state} onChange={change} />}
        {state.page === 'targets' && <TargetsPage state={state} onChange={change} />}
        {state.page === 'coincidence' && <CoincidencePage state={state} onChange={change} />}
        {state.page === 'delays-vs-weights' && <DelaysVsWeightsPage state={state} />}
      </main>
    </div>
  );
}
