// A full garbage collection without --expose-gc on the command line: the flag can be set at run
// time, and a new V8 context then has `gc` (the same trick Node's own tests use).
import v8 from 'node:v8';
import vm from 'node:vm';

let gcFn: (() => void) | undefined;

export function fullGc(): void {
  if (gcFn === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}
