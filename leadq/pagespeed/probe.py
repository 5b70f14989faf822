"""JavaScript run inside the audited page to read the browser's own performance data.

``OBSERVERS`` is installed before any page script runs (CDP
``Page.addScriptToEvaluateOnNewDocument``) so no LCP, layout shift or long task
is missed; ``COLLECT`` then reads Navigation/Paint/Resource Timing and the DOM
facts the site checks need, in one round trip.
"""

OBSERVERS = r"""
(() => {
  const state = window.__leadq = {
    lcp: null, lcpTag: null, lcpUrl: null, shifts: [], longTasks: [], lastEntry: 0, watching: [],
  };
  const watch = (type, handle) => {
    try {
      new PerformanceObserver(list => {
        for (const entry of list.getEntries()) handle(entry);
        state.lastEntry = performance.now();
      }).observe({type, buffered: true});
      state.watching.push(type);
    } catch (e) { /* entry type unsupported: the metric stays null */ }
  };
  watch('largest-contentful-paint', e => {
    state.lcp = e.startTime;
    state.lcpTag = e.element ? e.element.tagName.toLowerCase() : null;
    state.lcpUrl = e.url || null;
  });
  // Every shift counts, hadRecentInput or not: the audit never touches the page, and
  // Chrome flags shifts after an emulated viewport change as "recent input"
  // (crbug.com/1094974, 1302667), which Lighthouse works around the same way
  // (core/computed/metrics/cumulative-layout-shift.js). Measured: on mobile Chrome flags a
  // banner inserted 400 ms after load, and Lighthouse counts that shift.
  watch('layout-shift', e => state.shifts.push([e.startTime, e.value]));
  watch('longtask', e => state.longTasks.push([e.startTime, e.duration]));
  // Permission prompts asked for before the visitor did anything: Chromium reports each as a
  // "discouragedAPIUse" violation, which Lighthouse's geolocation- and notification-on-start
  // audits read, but a report subscription made over DevTools before the navigation is not
  // kept for the new document here (measured on Chromium 156), so the calls are watched.
  state.violations = [];
  const report = what => {
    if (navigator.userActivation && navigator.userActivation.isActive) return;
    // Frames: this function, the wrapper, then the page's code that asked.
    const caller = (new Error().stack || '').split('\n')[3] || '';
    const at = caller.match(/([^\s(]+):(\d+):(\d+)\)?$/);
    state.violations.push(at ? [what, at[1], +at[2] - 1, +at[3] - 1] : [what, location.href, null, null]);
  };
  const wrap = (owner, name, what) => {
    const original = owner && owner[name];
    if (typeof original !== 'function') return;
    owner[name] = function (...args) { report(what); return original.apply(this, args); };
  };
  const geolocation = window.Geolocation && Geolocation.prototype;
  wrap(geolocation, 'getCurrentPosition', 'geolocation');
  wrap(geolocation, 'watchPosition', 'geolocation');
  wrap(window.Notification, 'requestPermission', 'notification');
  // Nodes added or removed (a banner, a consent dialog, a late hero) are a change too,
  // even before the frame that shows them, so the settle wait restarts at once.
  new MutationObserver(() => { state.lastEntry = performance.now(); })
    .observe(document, {childList: true, subtree: true});
})();
"""

#: Polled while the page settles, all on the page's clock (ms since navigation start):
#: requests so far, when the last paint/shift/long task/DOM change came, the
#: document's state, now, and the end of the load event (0 before it).
PROGRESS = r"""
const s = window.__leadq || {};
const nav = performance.getEntriesByType('navigation')[0];
return [performance.getEntriesByType('resource').length, s.lastEntry || 0, document.readyState,
        performance.now(), nav ? nav.loadEventEnd : 0];
"""

COLLECT = r"""
const s = window.__leadq || {};
const nav = performance.getEntriesByType('navigation')[0];
const paints = {};
for (const p of performance.getEntriesByType('paint')) paints[p.name] = p.startTime;
let transfer = 0;
const resources = performance.getEntriesByType('resource');
for (const r of resources) transfer += r.transferSize || 0;
const meta = name => {
  const m = document.querySelector(`meta[name="${name}" i]`);
  return m ? m.getAttribute('content') : null;
};
const sized = img => (img.getAttribute('width') && img.getAttribute('height'))
  || (img.style.width && img.style.height);
const unsized = [...document.images].filter(img => !sized(img)).map(img => img.currentSrc || img.src);
const head = document.head;
const blockingScripts = head ? [...head.querySelectorAll('script[src]')]
  .filter(x => !x.async && !x.defer && x.type !== 'module').map(x => x.src) : [];
const blockingStyles = head ? [...head.querySelectorAll('link[rel~="stylesheet" i]')]
  .filter(x => !x.disabled && (!x.media || x.media === 'all' || window.matchMedia(x.media).matches))
  .map(x => x.href) : [];
return {
  href: location.href,
  nav: nav ? nav.toJSON() : null,
  paints,
  lcp: s.lcp, lcpTag: s.lcpTag, lcpUrl: s.lcpUrl,
  shifts: s.shifts || [], longTasks: s.longTasks || [], watching: s.watching || [],
  timeOrigin: performance.timeOrigin,
  requests: resources.length + 1,
  transferBytes: transfer + (nav ? nav.transferSize || 0 : 0),
  title: document.title,
  description: meta('description'),
  viewport: meta('viewport'),
  unsizedImages: unsized,
  blockingScripts, blockingStyles,
};
"""

#: Start fetching the page's icon (its ``<link rel=icon>``, else /favicon.ico) as a
#: browser does after load; returns its URL, or null for an icon that is not http(s).
FETCH_ICON = r"""
const link = document.querySelector('link[rel~="icon" i][href]');
const url = link ? link.href : new URL('/favicon.ico', location.href).href;
if (!/^https?:/.test(url)) return null;
// In a promise: a page that replaced fetch with something else fails only this fetch.
window.__leadqIcon = Promise.resolve()
  .then(() => fetch(url, {cache: 'no-store', credentials: 'omit', mode: 'no-cors'}))
  .then(r => r.arrayBuffer()).catch(() => null);
return url;
"""

#: Resolves when the icon fetch has ended, or after 3 s.
AWAIT_ICON = r"""
const done = arguments[arguments.length - 1];
setTimeout(done, 3000);
(window.__leadqIcon || Promise.resolve()).then(() => done(), () => done());
"""
