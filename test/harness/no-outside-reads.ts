// Jest runs this before every test file (setupFilesAfterEnv in .projenrc.ts). A clone has nothing beside it, so
// a test that reads a file outside the repository (other than the OS temporary directory) works only by chance:
// it fails here, naming the paths.
import { installReadGuard, takeOutsideReads } from './read-guard';

installReadGuard();

function failOnOutsideReads(when: string) {
  const reads = takeOutsideReads();
  if (reads.length > 0) {
    throw new Error(`${when} read ${reads.length} path(s) outside the repository; what a test needs must come with ` +
      `the repository or from a package it installs:\n  ${[...new Set(reads)].join('\n  ')}`);
  }
}

// Reads made while the test file loads (at module level or in beforeAll) are blamed on the first test.
afterEach(() => failOnOutsideReads('this test'));
afterAll(() => failOnOutsideReads('an afterAll or afterEach hook of this file'));
