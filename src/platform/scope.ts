/**
 * A caller's region scope: the materialised path of the region they belong to, e.g.
 * '/130631/130631202/'. Records whose region path starts with it are theirs.
 */
export interface Scope {
  regionCode: string;
  path: string;
}

/** LIKE pattern for everything at or below the scope. Codes never contain % or _, by constraint. */
export const subtreePattern = (scope: Scope) => `${scope.path}%`;

export const isWithin = (scope: Scope, path: string) => path.startsWith(scope.path);
