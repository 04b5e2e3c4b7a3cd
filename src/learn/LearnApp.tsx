import { useEffect, useState } from 'react';
import { learnLink, parseLearnLink, type LearnState } from './learnLink.ts';
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
  return (
    <div className="learn">
      <header className="learn-header">
        <p className="learn-brand">
          <a href="./index.html">Delay Lab</a> · Learn
        </p>
        <nav aria-label="Learn pages">
          <ol>
            <li aria-current="page">One neuron, two input spikes</li>
          </ol>
        </nav>
      </header>
      <main>
        <TwoSpikesPage state={state} onChange={setState} />
      </main>
    </div>
  );
}
