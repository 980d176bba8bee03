/** Version of the library that produced an answer; kept in step with packages/core/package.json (a test checks). */
export const LIBRARY_VERSION = '0.1.0';
