import 'vue-router';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean;
    /** The permission (from GET /api/auth/me) a page needs; without it the page is hidden. */
    permission?: string;
  }
}
