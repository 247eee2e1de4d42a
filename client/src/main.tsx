import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { solverInWorker } from './shopper/challenge-solver';
import { connectLive } from './shopper/live-socket';
import type { SessionDeps } from './shopper/session';
import { httpShopperApi } from './shopper/shopper-api';
import './styles.css';

/**
 * The shopper page's live dependencies. The proof-of-work worker is created the Vite way: Vite
 * sees `new Worker(new URL(…, import.meta.url))` and bundles challenge-worker.ts as a chunk of its
 * own. Only this entry says import.meta, which jest cannot load: tests hand the page stand-ins.
 */
const shopperDeps: SessionDeps = {
  api: httpShopperApi,
  connectLive,
  solveChallenge: solverInWorker(() => new Worker(new URL('./shopper/challenge-worker.ts', import.meta.url), { type: 'module' })),
};

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App shopperDeps={shopperDeps} />
    </StrictMode>,
  );
}
