// Byte ranges for the service worker: answers a `Range` request from a whole file kept in
// Cache Storage (which refuses to store 206 answers), so saved videos play and seek
// offline. One range per request (`a-b`, `a-`, `-n`), the end clamped to the file,
// 416 with `Content-Range: bytes */size` when nothing of it is in the file, and the
// header ignored (a plain 200) when it is malformed or asks for several ranges, as
// RFC 9110 allows. The body is a slice of the cached Blob, so the file is never read into
// memory whole.
//
// Loaded by the service worker with importScripts(), and by `node --test` for its unit
// tests (end2end/unit/sw-range.test.mjs).
(function (root) {
  'use strict';

  /**
   * Reads a Range header against a file of `size` bytes.
   * @returns {null | {unsatisfiable: true} | {start: number, end: number}} `null` to
   *   answer with the whole file; `end` is inclusive.
   */
  function parseRange(header, size) {
    if (typeof header !== 'string') return null;
    const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
    if (!match) return null; // malformed, another unit, or several ranges
    const [, first, last] = match;
    if (first === '' && last === '') return null; // "bytes=-"
    if (first === '') {
      // A suffix: the last n bytes (all of them if n is longer than the file).
      const length = Number(last);
      if (!Number.isSafeInteger(length)) return null;
      if (length === 0 || size === 0) return { unsatisfiable: true };
      return { start: Math.max(0, size - length), end: size - 1 };
    }
    const start = Number(first);
    const end = last === '' ? Infinity : Number(last);
    if (!Number.isSafeInteger(start) || !(Number.isSafeInteger(end) || end === Infinity)) return null;
    if (end < start) return null; // "bytes=5-2" is invalid syntax: ignored
    if (start >= size) return { unsatisfiable: true };
    return { start, end: Math.min(end, size - 1) };
  }

  /** Headers a ranged answer keeps from the cached one. */
  const KEPT = ['content-type', 'etag', 'last-modified', 'cache-control'];

  /**
   * Answers `request` from `cached`, a whole-file 200 from Cache Storage: a 206 for a
   * satisfiable single range, a 416 for an unsatisfiable one, else the file itself.
   */
  async function rangeResponse(request, cached) {
    const header = request.headers.get('range');
    if (!header) return cached;
    const blob = await cached.blob();
    const size = blob.size;
    const range = parseRange(header, size);
    const headers = new Headers();
    for (const name of KEPT) {
      const value = cached.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    headers.set('accept-ranges', 'bytes');
    if (range === null) {
      headers.set('content-length', String(size));
      return new Response(blob, { status: 200, headers });
    }
    if (range.unsatisfiable) {
      headers.delete('content-type');
      headers.set('content-range', `bytes */${size}`);
      return new Response(null, { status: 416, statusText: 'Range Not Satisfiable', headers });
    }
    const part = blob.slice(range.start, range.end + 1, blob.type);
    headers.set('content-range', `bytes ${range.start}-${range.end}/${size}`);
    headers.set('content-length', String(range.end - range.start + 1));
    return new Response(part, { status: 206, statusText: 'Partial Content', headers });
  }

  const api = { parseRange, rangeResponse };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.PrimerRange = api;
})(typeof self !== 'undefined' ? self : globalThis);
