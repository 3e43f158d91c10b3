/* Service worker of the field pages, served at /sw.js (planner.fieldwork.views.service_worker,
   which fills in the shell list, the version and the offline sentence).

   Pages under /field: network first, the cached copy when there is no connection.
   /static and /vendor files: cache first. The API is never touched: entries wait in IndexedDB
   (field.js), not here. */
"use strict";

const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const OFFLINE_TEXT = __OFFLINE__;
const PREFIX = "bhxh-field-";
const CACHE = PREFIX + VERSION;

async function precache() {
  const cache = await caches.open(CACHE);
  await Promise.all(SHELL.map(async (url) => {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
      if (response.ok && !response.redirected) {
        await cache.put(url, response);
      }
    } catch (err) {
      /* offline while installing: the page is cached the next time it is opened online */
    }
  }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) {
        await caches.delete(key);
      }
    }
    await self.clients.claim();
  })());
});

function offlinePage() {
  const html = "<!doctype html><meta charset='utf-8'><meta name='viewport' content='width=device-width'>" +
    "<p style='font:1.1rem sans-serif;padding:1rem'>" + OFFLINE_TEXT + "</p>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function networkFirst(request) {
  const url = new URL(request.url);
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // Only the plain pages (no ?edit=...) and only real pages (not a redirect to sign-in).
    if (response.ok && response.type === "basic" && !response.redirected && !url.search) {
      await cache.put(url.pathname, response.clone());
    }
    return response;
  } catch (err) {
    const hit = await cache.match(url.pathname);
    return hit || offlinePage();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) {
    return hit;
  }
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return; // never cache a POST (the API, sign-out, review decisions)
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  if (request.mode === "navigate" && (url.pathname === "/field" || url.pathname.startsWith("/field/"))) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/vendor/") ||
             url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  }
});

self.addEventListener("message", (event) => {
  if (event.data === "forget-pages") { // on sign-out: the cached pages carry the user's name
    event.waitUntil(caches.delete(CACHE));
  }
});
