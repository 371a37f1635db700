// The one script of ontsluit's pages (served as /assets/ontsluit.js, loaded with `defer`). Pages
// work without it; it adds the maps and the copy buttons.
import {initMaps} from './map.js';
import {initCopyButtons} from './copy.js';

function init() {
  initMaps(document);
  initCopyButtons(document);
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init);
} else {
  init();
}
