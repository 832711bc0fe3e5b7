// The URL of a call, for messages and log lines only (never for sending): from what the agent saw
// when it can, else from the config as axios's buildFullPath would join it.
import type { InternalAxiosRequestConfig } from 'axios';
import { redactPath, redactUrl } from './log';

const ABSOLUTE = /^[a-z][a-z\d+.-]*:\/\//i;

export function fullUrl(config: InternalAxiosRequestConfig): string {
  const url = config.url ?? '';
  const base = config.baseURL;
  if (base && !ABSOLUTE.test(url)) return base.replace(/\/+$/, '') + '/' + url.replace(/^\/+/, '');
  return url;
}

/** The origin for an error message: the agent's, else parsed from the config. */
export function originOf(config: InternalAxiosRequestConfig, agentOrigin: string): string {
  if (agentOrigin) return agentOrigin;
  try {
    return new URL(fullUrl(config)).origin;
  } catch {
    return 'unknown origin';
  }
}

/** Origin and path, query values redacted, no credentials. */
export function loggedUrl(config: InternalAxiosRequestConfig, agentOrigin: string, req: unknown): string {
  const path = (req as { path?: unknown } | null)?.path;
  if (agentOrigin && typeof path === 'string') {
    // Through a proxy, an http: request's path is absolute (`http://upstream:80/p`): it has its origin.
    return path.charCodeAt(0) === 47 /* '/' */ ? agentOrigin + redactPath(path) : redactUrl(path);
  }
  return redactUrl(fullUrl(config));
}
