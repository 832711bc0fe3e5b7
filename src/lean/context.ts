// What every lean call of one adapter shares: the user's axios classes, the User-Agent version, the
// params builder and the lookup cache. Built once by createLeanAdapter().
import type { LookupFunction } from 'node:net';
import type { AxiosBinding, UriBuilder } from './binding';

export interface LeanContext {
  readonly binding: AxiosBinding;
  /** axios.VERSION of the binding: the default User-Agent is `axios/<version>`. */
  readonly version: string;
  /** An Axios with empty defaults: its getUri() serializes params (undefined: params fall back). */
  readonly uri: UriBuilder | undefined;
  readonly normalizeLookup: (lookup: unknown) => LookupFunction;
}
