import type { Component } from 'vue';
import 'vue-router';
import type { MessageKey } from './messages';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean;
    /** The permission (from GET /api/auth/me) a page needs; without it the page is hidden. */
    permission?: string;
    /** The console's sidebar entry: its module's group (ConsoleLayout.vue), label and icon. */
    menu?: { group: string; label: MessageKey; icon: Component };
    /** A page without an entry of its own (a detail page): the route name of the entry to light. */
    menuItem?: string;
  }
}
