// Unit tests of the service worker's range answers (public/sw-range.js), run with
// `node --test`: every edge a video player or Safari can send.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const { parseRange, rangeResponse } = require('../../public/sw-range.js');

// A 1000-byte "video": byte i is i % 251, so every slice is recognisable.
const SIZE = 1000;
const bytes = Uint8Array.from({ length: SIZE }, (_, i) => i % 251);
const cached = () =>
  new Response(new Blob([bytes], { type: 'video/mp4' }), {
    status: 200,
    headers: { 'content-type': 'video/mp4', etag: '"abc"', 'content-length': String(SIZE) },
  });
const ask = (range) => new Request('https://primer.test/media/abc', range === undefined ? {} : { headers: { range } });

async function answer(range) {
  const response = await rangeResponse(ask(range), cached());
  const body = new Uint8Array(await response.arrayBuffer());
  return { response, body, header: (name) => response.headers.get(name) };
}

async function expectPart(range, start, end) {
  const { response, body, header } = await answer(range);
  assert.equal(response.status, 206, `status for ${range}`);
  assert.equal(header('content-range'), `bytes ${start}-${end}/${SIZE}`);
  assert.equal(header('content-length'), String(end - start + 1));
  assert.equal(header('content-type'), 'video/mp4');
  assert.equal(header('accept-ranges'), 'bytes');
  assert.equal(header('etag'), '"abc"');
  assert.deepEqual(body, bytes.slice(start, end + 1));
}

async function expectWhole(range) {
  const { response, body, header } = await answer(range);
  assert.equal(response.status, 200, `status for ${range}`);
  assert.equal(header('content-range'), null);
  assert.deepEqual(body, bytes);
}

async function expectUnsatisfiable(range) {
  const { response, body, header } = await answer(range);
  assert.equal(response.status, 416, `status for ${range}`);
  assert.equal(header('content-range'), `bytes */${SIZE}`);
  assert.equal(body.length, 0);
}

test('first bytes (what Safari asks first)', () => expectPart('bytes=0-1', 0, 1));
test('the whole file from the start (what a <video> asks first)', () => expectPart('bytes=0-', 0, SIZE - 1));
test('the middle', () => expectPart('bytes=400-599', 400, 599));
test('open-ended from the middle (seeking)', () => expectPart('bytes=500-', 500, SIZE - 1));
test('the last byte, by position', () => expectPart('bytes=999-999', 999, 999));
test('a suffix', () => expectPart('bytes=-100', 900, SIZE - 1));
test('a suffix longer than the file is the whole file', () => expectPart('bytes=-5000', 0, SIZE - 1));
test('an end past the file is clamped', () => expectPart('bytes=900-5000', 900, SIZE - 1));
test('spaces and case are tolerated', () => expectPart('Bytes = 10 - 19', 10, 19));

test('a start past the file is 416', () => expectUnsatisfiable('bytes=1000-'));
test('a start far past the file is 416', () => expectUnsatisfiable('bytes=5000-6000'));
test('an empty suffix is 416', () => expectUnsatisfiable('bytes=-0'));

test('no Range header: the cached answer itself', async () => {
  const original = cached();
  assert.equal(await rangeResponse(ask(undefined), original), original);
});
for (const malformed of ['bytes=abc', 'bytes=-', 'items=0-10', 'bytes=5-2', 'bytes=0-1,5-6', 'bytes 0-10', '']) {
  test(`a malformed header (${JSON.stringify(malformed)}) is ignored: the whole file`, () => expectWhole(malformed));
}

test('an empty file has no satisfiable range', () => {
  assert.deepEqual(parseRange('bytes=0-', 0), { unsatisfiable: true });
  assert.deepEqual(parseRange('bytes=-10', 0), { unsatisfiable: true });
});

test('huge numbers are not trusted', () => {
  assert.equal(parseRange('bytes=99999999999999999999-', SIZE), null);
  assert.equal(parseRange('bytes=-99999999999999999999', SIZE), null);
});
