/* The field app's service worker (docs/field-app.md): the app's own files are
   precached by Workbox with a revision each, so a release replaces what changed
   and drops the rest; nothing of the API is cached here (the app keeps its data
   in IndexedDB, and wipes it). */
importScripts({{ (workbox ~ "workbox-sw.js")|tojson }});
workbox.setConfig({modulePathPrefix: {{ workbox|tojson }}, debug: false});
workbox.core.setCacheNameDetails({prefix: "slrt-lapangan"});
workbox.core.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute({{ precache|tojson }});
