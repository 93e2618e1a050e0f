/*
 * Runs before bootstrap-italia.bundle.min.js. Bootstrap Italia looks for its assets under
 * window.__PUBLIC_PATH__; the Content-Security-Policy forbids inline scripts, so the path
 * (built by Django's {% static %}) arrives in this tag's data-public-path attribute.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  // The video player inside the bundle would inject a <style> element, which the CSP refuses;
  // intreccio uses no video, so its default styles are not needed.
  window.VIDEOJS_NO_DYNAMIC_STYLE = true;
  if (script && script.dataset.publicPath) {
    window.__PUBLIC_PATH__ = script.dataset.publicPath;
  }
})();
