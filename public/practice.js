// Practice takes on the phone: record a pitch with the camera and microphone, watch it
// back, record again or submit; see the reviews a take got and jump to a comment's moment.
//
// A take is kept in IndexedDB (megabytes of video, never local storage) from the moment
// it is submitted, offline or not, and listed as "waiting to upload" until the server has
// it. Uploads are tus 1.0 (`/api/v1/uploads`) and resume where they stopped: a cut
// connection asks the server how far it got (`HEAD`) and sends the rest. Only once the
// server has stored the take (`Primer-Media-Id`) does its `practice_submission` record go
// into the app's outbox, under the take's own id, so the record is sent exactly once like
// every record, however often the upload was retried.
//
// Not part of the learner's shell (the phone pays for every byte): a practice module's
// page and "On this device" load it, the service worker keeps it once loaded, and
// sw-register.js loads it on any page while takes wait, so they go up when the phone is
// back online whichever screen is open. Everything people typed is put in as text.
(function () {
  'use strict';
  if (window.PrimerPractice) return;

  const DB = 'primer-takes';
  const STORE = 'takes';
  const TUS = '1.0.0';
  /** Set while takes wait to upload: sw-register.js then loads this script on every page. */
  const WAITING_FLAG = 'primer.takes_waiting';
  /** About 7.5 MB a minute: plenty for a face and a voice, light on a phone's data plan. */
  const VIDEO_BITS = 1_000_000;
  const TYPES = ['video/mp4;codecs=avc1,mp4a', 'video/mp4', 'video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm'];

  // --- The takes kept on this phone ------------------------------------------------

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function transact(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => {
        db.close();
        resolve(request?.result);
      };
      tx.onerror = tx.onabort = () => {
        db.close();
        reject(tx.error || new Error('IndexedDB failed'));
      };
    });
  }

  const allTakes = () => transact('readonly', (s) => s.getAll());
  const kept = async (id) => (await transact('readonly', (s) => s.count(id))) > 0;
  const putTake = (take) => transact('readwrite', (s) => s.put(take));
  const dropTake = (id) => transact('readwrite', (s) => s.delete(id));

  /** The person signed in on this phone, as the service worker's store knows it. */
  async function signedIn() {
    try {
      return (await window.PrimerStore?.owner()) ?? null;
    } catch {
      return null;
    }
  }

  async function takesOf(person, moduleId) {
    const takes = (await allTakes()).filter((t) => t.person === person && (moduleId == null || t.module_id === moduleId));
    return takes.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  async function markWaiting() {
    const any = (await allTakes()).length > 0;
    if (any) localStorage.setItem(WAITING_FLAG, '1');
    else localStorage.removeItem(WAITING_FLAG);
  }

  const changed = () => window.dispatchEvent(new CustomEvent('primer-takes-changed'));

  // --- Uploading (tus 1.0: core, creation, termination) ----------------------------

  const b64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** An error the server answered in words (its JSON `error.message`), or the status. */
  async function problem(response) {
    try {
      const body = await response.json();
      if (body?.error?.message) return Object.assign(new Error(body.error.message), { status: response.status, code: body.error.code });
    } catch {}
    return Object.assign(new Error(`Primer answered ${response.status}.`), { status: response.status });
  }

  /** Sends `blob` from `offset` in one PATCH, reporting bytes as they go; a cut rejects. */
  function patch(url, blob, offset, onBytes) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PATCH', url);
      xhr.setRequestHeader('Tus-Resumable', TUS);
      xhr.setRequestHeader('Upload-Offset', String(offset));
      xhr.setRequestHeader('Content-Type', 'application/offset+octet-stream');
      xhr.upload.onprogress = (e) => onBytes(offset + e.loaded);
      xhr.onload = () =>
        resolve(new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, headers: parseHeaders(xhr) }));
      xhr.onerror = xhr.ontimeout = xhr.onabort = () => reject(new TypeError('The connection was cut.'));
      xhr.send(blob.slice(offset));
    });
  }

  function parseHeaders(xhr) {
    const headers = new Headers();
    for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
      const at = line.indexOf(':');
      if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
    return headers;
  }

  /** Where the server has the upload: `{offset, mediaId}`, or null if it forgot it. */
  async function where(url) {
    const response = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': TUS }, cache: 'no-store' });
    if (response.status === 404 || response.status === 410) return null;
    if (!response.ok) throw await problem(response);
    return { offset: Number(response.headers.get('upload-offset')), mediaId: response.headers.get('primer-media-id') };
  }

  async function create(take) {
    const name = take.type.startsWith('video/mp4') ? 'take.mp4' : 'take.webm';
    const response = await fetch('/api/v1/uploads', {
      method: 'POST',
      headers: {
        'Tus-Resumable': TUS,
        'Upload-Length': String(take.blob.size),
        'Upload-Metadata': `module ${b64(String(take.module_id))},filename ${b64(name)}`,
      },
    });
    if (response.status !== 201) throw await problem(response);
    return new URL(response.headers.get('location'), location.href).pathname;
  }

  /** Uploads one take to the end; resolves with its media id. Network cuts are retried. */
  async function upload(take, onProgress) {
    let failures = 0;
    for (;;) {
      if (!navigator.onLine) throw Object.assign(new Error('Offline'), { offline: true });
      // Deleted on this phone meanwhile: stop (and never write it back).
      if (!(await kept(take.id))) throw Object.assign(new Error('Deleted'), { deleted: true });
      try {
        if (!take.upload) {
          take.upload = await create(take);
          if (await kept(take.id)) await putTake(take);
        }
        const at = await where(take.upload);
        if (at === null) {
          // Expired or cleared on the server (a day untouched): start again.
          take.upload = null;
          if (await kept(take.id)) await putTake(take);
          continue;
        }
        if (at.mediaId) return at.mediaId;
        onProgress(at.offset);
        const response = await patch(take.upload, take.blob, at.offset, onProgress);
        if (response.status === 204) {
          const mediaId = response.headers.get('primer-media-id');
          if (mediaId) return mediaId;
          failures = 0;
          continue;
        }
        if (response.status === 409 || response.status === 423) {
          // Someone else's request still holds it, or our offset was stale: ask again.
          await sleep(1000 * (Number(response.headers.get('retry-after')) || 1));
          continue;
        }
        if (response.status === 404) {
          take.upload = null;
          continue;
        }
        throw await problem(response);
      } catch (error) {
        // Offline, or signed out: the take waits for the network, or its person. Refusals
        // (not a video, over the quota, no such module) are final. The rest is the
        // network: wait a little longer each time, and go on from where it stopped.
        if (error.status === 401) error.offline = true;
        if (error.offline || error.deleted || (error.status && error.status < 500)) throw error;
        failures += 1;
        await sleep(Math.min(30000, 1000 * 2 ** Math.min(failures, 5)) * (0.75 + Math.random() / 2));
      }
    }
  }

  /**
   * The take's record, into the app's outbox (local storage, per person), under the take's
   * id: a second write of the same record is skipped, and the server keeps one anyway.
   */
  function enqueue(take, mediaId) {
    const key = `primer.outbox.${take.person}`;
    let entries = [];
    try {
      entries = JSON.parse(localStorage.getItem(key) || '[]');
    } catch {}
    if (!Array.isArray(entries)) return false;
    if (!entries.some((e) => e?.record?.id === take.id)) {
      entries.push({
        record: {
          id: take.id,
          kind: 'practice_submission',
          module_id: take.module_id,
          module_version: take.module_version,
          occurred_at: take.created_at,
          // Whole seconds (the server keeps its own probe of the file's length).
          payload: { media_id: mediaId, seconds: Math.round(take.seconds), ...(take.share ? { share: true } : {}) },
        },
        effect: 'Submitted',
      });
      localStorage.setItem(key, JSON.stringify(entries));
    }
    // The app sends its outbox when the page becomes visible: say it is, so it sends now.
    document.dispatchEvent(new Event('visibilitychange'));
    return true;
  }

  const progress = new Map();
  let running = null;
  let again = false;
  let shownAt = 0;

  /**
   * Uploads every take of the person signed in, one at a time, until none waits (a take
   * kept meanwhile is taken up by the same run).
   */
  function uploadWaiting() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          if (!(await uploadEach())) break;
        } while (again);
      } finally {
        await markWaiting();
        running = null;
      }
    })();
    return running;
  }

  /** One pass over the waiting takes; `false` when it stopped for the network or sign-in. */
  async function uploadEach() {
    const person = await signedIn();
    if (person === null) return false;
    for (const take of await takesOf(person)) {
      if (take.error) continue;
      try {
        const mediaId = await upload(take, (sent) => {
          progress.set(take.id, sent / take.blob.size);
          // A few times a second is enough for a percentage.
          if (performance.now() - shownAt > 250) {
            shownAt = performance.now();
            changed();
          }
        });
        // Deleted while it went up: the server's copy goes too, and nothing is submitted.
        if (!(await kept(take.id))) {
          await fetch(`/api/v1/me/takes/${encodeURIComponent(mediaId)}`, { method: 'DELETE' }).catch(() => {});
          continue;
        }
        if (!enqueue(take, mediaId)) continue;
        await dropTake(take.id);
      } catch (error) {
        if (error.offline) return false;
        if (error.deleted) continue;
        take.error = error.message;
        if (await kept(take.id)) await putTake(take);
      } finally {
        progress.delete(take.id);
        changed();
      }
    }
    return true;
  }

  /** Keeps a recorded take and starts its upload (if the phone is online). */
  async function submit(element, blob, type, seconds, share) {
    const take = {
      id: crypto.randomUUID(),
      share,
      person: element.person,
      module_id: element.moduleId,
      module_version: element.moduleVersion,
      type,
      seconds,
      blob,
      created_at: new Date().toISOString(),
      upload: null,
      error: null,
    };
    await putTake(take);
    localStorage.setItem(WAITING_FLAG, '1');
    // A phone that is short of space may otherwise evict the take before it goes.
    navigator.storage?.persist?.().catch(() => {});
    changed();
    uploadWaiting();
  }

  window.addEventListener('online', () => uploadWaiting());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && navigator.onLine && !running) uploadWaiting();
  });

  // --- What the learner sees -------------------------------------------------------

  /** `h('p', {className: 'muted'}, 'text', child)`: an element; strings become text. */
  function h(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (name === 'testid') node.dataset.testid = value;
      else if (name === 'role') node.setAttribute('role', value);
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node[name] = value;
    }
    for (const child of children.flat()) if (child != null && child !== false) node.append(child);
    return node;
  }

  const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  const when = (iso) => new Date(iso).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  const megabytes = (n) => `${(n / 1e6).toFixed(1)} MB`;

  /** One waiting take: its state, and "Delete" (it never reached the server). */
  function waitingRow(take) {
    const share = progress.get(take.id);
    const state = take.error
      ? `not uploaded: ${take.error}`
      : share !== undefined
        ? `uploading · ${Math.floor(share * 100)} %`
        : navigator.onLine
          ? 'waiting to upload'
          : "waiting to upload: it goes when you're back online";
    return h(
      'li',
      { className: 'line', testid: 'take-waiting' },
      h('span', {}, `Take of ${when(take.created_at)} · ${clock(take.seconds)} · ${megabytes(take.blob.size)} · `, h('span', { testid: 'take-state' }, state)),
      h('button', { type: 'button', className: 'link', onclick: async () => {
        await dropTake(take.id);
        await markWaiting();
        changed();
        // The bytes the server has so far go too (tus termination), if it can be told.
        if (take.upload) fetch(take.upload, { method: 'DELETE', headers: { 'Tus-Resumable': TUS } }).catch(() => {});
      } }, 'Delete'),
    );
  }

  /**
   * "Reviewers may feature this take for my team": the learner's consent, given or
   * withdrawn on the server (withdrawing also stops it being featured).
   */
  function consent(submission) {
    const note = h('span', { className: 'small muted', role: 'status' });
    const box = h('input', { type: 'checkbox', checked: submission.shared, onchange: async () => {
      box.disabled = true;
      try {
        const response = await fetch(`/api/v1/me/takes/${encodeURIComponent(submission.media_id)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ shared: box.checked }),
        });
        if (!response.ok) throw await problem(response);
        const sharing = await response.json();
        box.checked = sharing.shared;
        note.textContent = sharing.featured ? ' Featured for your team.' : '';
      } catch (error) {
        box.checked = !box.checked;
        note.textContent = ` ${error.message || "Primer can't be reached right now."}`;
      } finally {
        box.disabled = false;
      }
    } });
    box.dataset.testid = 'take-shared';
    note.textContent = submission.featured ? ' Featured for your team.' : '';
    return h('label', { className: 'check small' }, box, ' A reviewer may feature this take for my team', note);
  }

  /** A take the server has, with its reviews; comments jump the take's video there. */
  function submissionCard(submission, onDelete) {
    const video = h('video', { className: 'player', controls: true, playsInline: true, preload: 'metadata', src: submission.media_url });
    const verdict =
      submission.passed === true ? 'Passed' : submission.passed === false ? 'Not passed: record a new take' : 'Waiting for review';
    const reviews = submission.reviews.map((review) =>
      h(
        'div',
        { className: 'stack', testid: 'review' },
        h('p', {}, h('strong', {}, `${review.reviewer_name} (${review.as === "manager" ? "manager" : "teammate"}) · ${review.percent} %`)),
        h('ul', {}, review.scores.map((s) => h('li', { testid: 'criterion-score' }, `${s.criterion}: ${s.score}`))),
        review.summary ? h('p', { testid: 'review-summary' }, review.summary) : null,
        review.comments.length
          ? h('ul', {}, review.comments.map((c) => h('li', {}, h('button', {
              type: 'button',
              className: 'link',
              testid: 'comment-jump',
              onclick: () => {
                video.currentTime = c.at_seconds;
                video.scrollIntoView({ block: 'center' });
                video.play().catch(() => {});
              },
            }, clock(c.at_seconds)), ` ${c.text}`)))
          : null,
      ),
    );
    return h(
      'article',
      { className: 'card stack', testid: 'submission' },
      h('p', { className: 'line' }, h('span', {}, `Take of ${when(submission.submitted_at)} · ${clock(submission.seconds)}`), h('strong', { testid: 'submission-verdict' }, verdict)),
      video,
      consent(submission),
      reviews,
      submission.reviews.length === 0
        ? h('button', { type: 'button', className: 'link', onclick: () => onDelete(submission) }, 'Delete this take')
        : null,
    );
  }

  /**
   * A practice module's take: `<div data-practice="{person} {module} {version} {max seconds}">`,
   * which the module page renders empty and this fills in.
   */
  class PracticeTake {
    constructor(node) {
      this.node = node;
      const [person, moduleId, moduleVersion, maxSeconds] = node.dataset.practice.split(' ');
      this.person = person;
      this.moduleId = Number(moduleId);
      this.moduleVersion = Number(moduleVersion);
      this.maxSeconds = Number(maxSeconds) || 60;
    }

    append(...children) {
      this.node.replaceChildren(...children);
    }

    mount() {
      this.recorder = h('div', { className: 'stack' });
      this.waiting = h('ul', { className: 'stack' });
      this.history = h('div', { className: 'stack' });
      this.append(
        h('section', { className: 'card stack practice' }, h('h2', {}, 'Your take'), this.recorder, this.waiting),
        this.history,
      );
      this.refresh = () => this.showWaiting();
      window.addEventListener('primer-takes-changed', this.refresh);
      this.idle();
      this.showWaiting();
      this.showHistory();
      uploadWaiting();
    }

    unmount() {
      window.removeEventListener('primer-takes-changed', this.refresh);
      this.release();
    }

    release() {
      this.stream?.getTracks().forEach((t) => t.stop());
      this.stream = null;
      clearInterval(this.ticker);
      if (this.playback) URL.revokeObjectURL(this.playback);
      this.playback = null;
    }

    idle(message) {
      this.release();
      this.recorder.replaceChildren(
        message ? h('p', { className: 'alert', role: 'status' }, message) : null,
        h('p', { className: 'muted small' }, `Up to ${clock(this.maxSeconds)}. It works offline too: the take uploads when you're back online.`),
        h('button', { type: 'button', testid: 'record-start', onclick: () => this.record() }, 'Record a take'),
      );
    }

    async record() {
      this.release();
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true });
      } catch (error) {
        this.idle(`Primer can't use the camera and microphone (${error.name}). Allow them in the browser's settings, then try again.`);
        return;
      }
      const type = TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || '';
      const recorder = new MediaRecorder(this.stream, { mimeType: type, videoBitsPerSecond: VIDEO_BITS });
      const chunks = [];
      recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      const live = h('video', { className: 'player', muted: true, playsInline: true, autoplay: true, srcObject: this.stream });
      const left = h('span', { testid: 'record-left' });
      const started = performance.now();
      const stop = () => recorder.state === 'recording' && recorder.stop();
      recorder.onstop = () => {
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        this.release();
        this.review(new Blob(chunks, { type: recorder.mimeType || type || 'video/webm' }), seconds);
      };
      const tick = () => {
        const elapsed = (performance.now() - started) / 1000;
        left.textContent = `Recording · ${clock(Math.max(0, this.maxSeconds - elapsed))} left`;
        if (elapsed >= this.maxSeconds) stop();
      };
      this.ticker = setInterval(tick, 250);
      tick();
      recorder.start(1000);
      this.recorder.replaceChildren(live, h('p', { className: 'line' }, left, h('button', { type: 'button', testid: 'record-stop', onclick: stop }, 'Stop')));
    }

    review(blob, seconds) {
      this.playback = URL.createObjectURL(blob);
      const video = h('video', { className: 'player', controls: true, playsInline: true, src: this.playback, testid: 'take-playback' });
      const share = h('input', { type: 'checkbox' });
      share.dataset.testid = 'take-share';
      const send = async () => {
        try {
          await submit(this, blob, blob.type, seconds, share.checked);
          this.idle('Take kept on this phone. It uploads by itself, then waits for a reviewer.');
        } catch (error) {
          this.idle(`This phone couldn't keep the take (${error.message}). Free some space and record again.`);
        }
      };
      this.recorder.replaceChildren(
        video,
        h('p', { className: 'muted small' }, `${clock(seconds)} · ${megabytes(blob.size)}. Watch it back: submit it, or record again.`),
        h('label', { className: 'check small' }, share, ' A reviewer may feature this take for my team (you can change this later)'),
        h('div', { className: 'line' },
          h('button', { type: 'button', testid: 'take-submit', onclick: send }, 'Submit'),
          h('button', { type: 'button', className: 'secondary', testid: 'record-again', onclick: () => this.record() }, 'Record again'),
        ),
      );
    }

    async showWaiting() {
      const takes = this.person ? await takesOf(this.person, this.moduleId) : [];
      this.waiting.replaceChildren(...takes.map(waitingRow));
      // An upload that just finished: its record is on its way (the app sends it), and
      // then the server lists the submission.
      if (takes.length < (this.shown ?? 0)) for (const ms of [1500, 5000]) setTimeout(() => this.showHistory(), ms);
      this.shown = takes.length;
    }

    async showHistory() {
      let submissions;
      try {
        const response = await fetch('/api/v1/me/practice', { headers: { accept: 'application/json' } });
        if (!response.ok) throw await problem(response);
        submissions = (await response.json()).filter((s) => s.module_id === this.moduleId);
      } catch {
        this.history.replaceChildren(h('p', { className: 'muted small' }, "Your takes' reviews show when you're back online."));
        return;
      }
      const remove = async (submission) => {
        const response = await fetch(`/api/v1/me/takes/${encodeURIComponent(submission.media_id)}`, { method: 'DELETE' });
        if (!response.ok && response.status !== 404) {
          alert((await problem(response)).message);
          return;
        }
        this.showHistory();
      };
      this.history.replaceChildren(...submissions.reverse().map((s) => submissionCard(s, remove)));
    }
  }

  /** "On this device" (`<div data-waiting-takes>`): every take of the person signed in that waits. */
  class WaitingTakes {
    constructor(node) {
      this.node = node;
    }
    mount() {
      this.refresh = async () => {
        const person = await signedIn();
        const takes = person === null ? [] : await takesOf(person);
        this.node.replaceChildren(
          takes.length
            ? h('section', { className: 'card stack' }, h('h2', {}, 'Takes waiting to upload'), h('ul', { className: 'stack' }, takes.map(waitingRow)))
            : '',
        );
      };
      window.addEventListener('primer-takes-changed', this.refresh);
      this.refresh();
    }
    unmount() {
      window.removeEventListener('primer-takes-changed', this.refresh);
    }
  }

  // The app renders the places empty; they are filled in once it has hydrated the page
  // (hydration expects the server's HTML as it was), and let go of (the camera first)
  // when the app takes them off the page.
  const views = new Map();
  function mountAll() {
    for (const [node, view] of views) {
      if (!node.isConnected) {
        view.unmount();
        views.delete(node);
      }
    }
    if (!document.documentElement.hasAttribute('data-hydrated')) return;
    for (const node of document.querySelectorAll('[data-practice], [data-waiting-takes]')) {
      if (views.has(node)) continue;
      const view = node.dataset.practice ? new PracticeTake(node) : new WaitingTakes(node);
      views.set(node, view);
      view.mount();
    }
  }
  new MutationObserver(mountAll).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
  mountAll();

  window.PrimerPractice = { uploadWaiting, takesOf };
  uploadWaiting();
})();
