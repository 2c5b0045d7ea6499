import { Route, Router } from '@solidjs/router';
import { QueryClient, QueryClientProvider } from '@tanstack/solid-query';
import type { Component, ParentComponent } from 'solid-js';
import { lazy } from 'solid-js';
import { Shell } from './components/Shell.tsx';
import { preloadList } from './lib/list-query.ts';
import { RequireSignIn } from './lib/session.tsx';
import { AuditLogsPage } from './pages/AuditLogsPage.tsx';

/** A record's history, the sign-in, home and not-found pages are chunks of their own: a first visit of the list
 * (the page the budget is measured on) does not load them. */
const RecordHistoryPage = lazy(() => import('./pages/RecordHistoryPage.tsx'));
const HomePage = lazy(() => import('./pages/HomePage.tsx').then((m) => ({ default: m.HomePage })));
const NotFoundPage = lazy(() => import('./pages/HomePage.tsx').then((m) => ({ default: m.NotFoundPage })));
const LoginPage = lazy(() => import('./pages/LoginPage.tsx').then((m) => ({ default: m.LoginPage })));

const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 15_000, refetchOnWindowFocus: false } },
});

const SignedIn: ParentComponent = (props) => (
  <RequireSignIn>
    <Shell>{props.children}</Shell>
  </RequireSignIn>
);

export const App: Component = () => (
  <QueryClientProvider client={queryClient}>
    <Router>
      <Route path="/login" component={LoginPage} />
      <Route path="/" component={SignedIn}>
        <Route path="/" component={HomePage} />
        <Route
          path="/admin/audit-logs"
          component={AuditLogsPage}
          // A first load asks for the list with the session, not after it (no waterfall).
          preload={({ location, intent }) => intent === 'initial' && preloadList(queryClient, location.query)}
        />
        <Route path="/admin/audit-logs/records/:entityType/:entityId" component={RecordHistoryPage} />
        <Route path="*404" component={NotFoundPage} />
      </Route>
    </Router>
  </QueryClientProvider>
);
