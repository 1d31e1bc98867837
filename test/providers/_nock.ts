/**
 * Nock for the provider tests that stub HTTP. Kept out of ./_helpers.ts on purpose: importing nock
 * patches the HTTP stack, which the tests against real local servers must not have.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * For a test file whose HTTP goes to nock only: no real connections while it runs, interceptors
 * cleared after every test, nock restored after the file. Call it at the top level of the file.
 */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
}
