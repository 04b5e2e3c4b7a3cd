import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { LearnApp } from './LearnApp.tsx';
import './learn.css';

const root = document.getElementById('root');
if (!root) throw new Error('learn.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <LearnApp />
  </StrictMode>,
);
