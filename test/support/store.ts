// A result store opened for one step of a test and always closed, so a failed assertion leaves no lock.
import { ResultStore } from '../../src/store/resultStore.js';

export function withStore<T>(file: string, fn: (store: ResultStore) => T): T {
  const store = new ResultStore(file);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}
