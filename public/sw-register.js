// Registers Primer's service worker on every page, and offers a new version when one is
// ready: "A new version is ready — reload", never a half-updated app.
(function () {
  'use strict';
  if (!('serviceWorker' in navigator)) return;
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
  });
  function offer(worker) {
    if (document.querySelector('[data-testid="update-ready"]')) return;
    const bar = document.createElement('div');
    bar.className = 'update-ready';
    bar.setAttribute('role', 'status');
    bar.dataset.testid = 'update-ready';
    bar.textContent = 'A new version is ready — ';
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Reload';
    button.addEventListener('click', () => {
      reloading = true;
      worker.postMessage('skip-waiting');
    });
    bar.append(button);
    document.body.append(bar);
  }
  window.addEventListener('load', async () => {
    // Takes wait to upload: practice.js sends them.
    if (localStorage.getItem('primer.takes_waiting') && !window.PrimerPractice) {
      document.head.append(Object.assign(document.createElement('script'), { src: '/practice.js' }));
    }
    try {
      const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
      registration.addEventListener('updatefound', () => {
        const worker = registration.installing;
        worker?.addEventListener('statechange', () => {
          if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
        });
      });
    } catch (error) {
      console.warn('Primer could not start offline support:', error);
    }
  });
})();
