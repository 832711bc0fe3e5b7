// axios's settle (lib/core/settle.js, axios 1.21.1), with the binding's AxiosError: a response
// resolves when it has no status, there is no validateStatus, or validateStatus accepts it.
import type { AxiosResponse } from 'axios';
import type { AxiosBinding } from './binding';

export function settle(
  binding: AxiosBinding,
  resolve: (response: AxiosResponse) => void,
  reject: (reason: unknown) => void,
  response: AxiosResponse,
): void {
  const validateStatus = response.config.validateStatus;
  const status = response.status;
  if (!status || !validateStatus || validateStatus(status)) {
    resolve(response);
    return;
  }
  const E = binding.AxiosError;
  reject(new E('Request failed with status code ' + status, status >= 400 && status < 500 ? E.ERR_BAD_REQUEST : E.ERR_BAD_RESPONSE, response.config, response.request, response));
}
