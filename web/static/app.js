// Starts the NHS.UK frontend components and, on pages that use it, htmx.
// Every page works without this script: forms post and links navigate.
import { initAll } from '/static/vendor/nhsuk-frontend.min.js';

initAll();

if (document.querySelector('[hx-get], [hx-post]')) {
  const s = document.createElement('script');
  s.src = '/static/vendor/htmx.min.js';
  document.head.appendChild(s);
}
