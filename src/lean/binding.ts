// What the lean adapter takes from the user's axios: its classes, so that errors are `instanceof`
// the user's AxiosError/CanceledError and headers are the user's AxiosHeaders, whichever copy of
// axios (ESM or CommonJS) the user loaded. src/lean never imports axios at run time.
import type { Axios, AxiosError, AxiosHeaders, CanceledError } from 'axios';

export interface AxiosBinding {
  AxiosError: typeof AxiosError;
  AxiosHeaders: typeof AxiosHeaders;
  CanceledError: typeof CanceledError;
  /**
   * `axios.VERSION`: axios's adapter sends `User-Agent: axios/<VERSION>` by default. Without it the
   * lean path stays off (eligible() is false), rather than send another User-Agent.
   */
  VERSION?: string;
  /**
   * `axios.Axios`: its getUri() runs axios's own params serializer (buildURL), so configs with
   * `params` build exactly the path axios would. Without it, configs with `params` fall back.
   */
  Axios?: typeof Axios;
}

export type HeadersInstance = InstanceType<AxiosBinding['AxiosHeaders']>;
export type UriBuilder = InstanceType<NonNullable<AxiosBinding['Axios']>>;
