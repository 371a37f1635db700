// The popup that shows a clicked feature's properties. Data goes in with textContent only; the
// popup never takes or traps focus, closes with its button or Escape, and returns focus to the map
// when it held it.
import Overlay from 'ol/Overlay.js';

const TITLE_KEYS = ['name', 'naam', 'title', 'titel', 'label', 'statnaam', 'gemeentenaam'];
let popupCount = 0;

/** The text a popup shows as its title: a name-like property, else the feature id. */
export function featureTitle(feature) {
  const props = feature.properties ?? {};
  for (const key of TITLE_KEYS) {
    if (typeof props[key] === 'string' && props[key].trim() !== '') return props[key];
  }
  return feature.id === undefined || feature.id === null ? '' : String(feature.id);
}

function valueText(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export class FeaturePopup {
  /**
   * @param {Record<string, string>} texts
   * @param {() => void} onClose called after the popup closes
   * @param {HTMLElement} returnFocusTo where focus goes when the popup closes while holding it
   */
  constructor(texts, onClose, returnFocusTo) {
    this.texts = texts;
    this.onClose = onClose;
    this.returnFocusTo = returnFocusTo;
    this.captionId = `ons-popup-${++popupCount}`;
    this.element = document.createElement('div');
    this.element.className = 'ons-popup';
    this.element.setAttribute('role', 'dialog');
    this.element.setAttribute('aria-modal', 'false');
    this.element.setAttribute('aria-labelledby', this.captionId);
    this.closeButton = document.createElement('button');
    this.closeButton.type = 'button';
    this.closeButton.className = 'ons-popup__close';
    this.closeButton.setAttribute('aria-label', texts.close);
    this.closeButton.title = texts.close;
    this.closeButton.textContent = '×';
    this.closeButton.addEventListener('click', () => this.close());
    this.body = document.createElement('div');
    this.body.className = 'ons-popup__body';
    this.element.append(this.closeButton, this.body);
    this.overlay = new Overlay({
      element: this.element,
      positioning: 'bottom-center',
      offset: [0, -10],
      autoPan: {margin: 16, animation: {duration: 200}},
      stopEvent: true,
    });
  }

  get isOpen() {
    return this.overlay.getPosition() !== undefined;
  }

  /**
   * @param {object} feature the GeoJSON Feature as the server sent it
   * @param {number[]} coordinate where to anchor the popup, in the view projection
   * @param {string | null} href the feature's HTML page
   * @param {string | null} locateHref "what is here" at the clicked spot
   */
  open(feature, coordinate, href, locateHref = null) {
    const table = document.createElement('table');
    table.className = 'utrecht-table ons-popup__table';
    const caption = document.createElement('caption');
    caption.className = 'utrecht-table__caption ons-popup__title';
    caption.id = this.captionId;
    caption.textContent = featureTitle(feature) || this.texts.details;
    const tbody = document.createElement('tbody');
    tbody.className = 'utrecht-table__body';
    for (const [key, value] of Object.entries(feature.properties ?? {})) {
      const row = document.createElement('tr');
      row.className = 'utrecht-table__row';
      const th = document.createElement('th');
      th.className = 'utrecht-table__header-cell ontsluit-column-name';
      th.scope = 'row';
      th.textContent = key;
      const td = document.createElement('td');
      td.className = 'utrecht-table__cell';
      const text = valueText(value);
      if (text === null) {
        td.textContent = this.texts.noValue;
        td.classList.add('ontsluit-muted');
      } else {
        td.textContent = text;
      }
      row.append(th, td);
      tbody.append(row);
    }
    table.append(caption, tbody);
    const scroller = document.createElement('div');
    scroller.className = 'ons-popup__scroll';
    scroller.append(table);
    const parts = [scroller];
    for (const [link, text] of [[href, this.texts.details], [locateHref, this.texts.locate]]) {
      if (!link) continue;
      const p = document.createElement('p');
      p.className = 'ons-popup__more';
      const a = document.createElement('a');
      a.className = 'utrecht-link utrecht-link--html-a';
      a.href = link;
      a.textContent = text;
      p.append(a);
      parts.push(p);
    }
    this.body.replaceChildren(...parts);
    this.overlay.setPosition(coordinate);
    // Scrollable only when long; only then is it a tab stop (keyboard users can scroll it).
    requestAnimationFrame(() => {
      if (scroller.scrollHeight > scroller.clientHeight) {
        scroller.tabIndex = 0;
        scroller.setAttribute('role', 'group');
        scroller.setAttribute('aria-labelledby', this.captionId);
      }
    });
  }

  close() {
    if (!this.isOpen) return;
    const hadFocus = this.element.contains(document.activeElement);
    this.overlay.setPosition(undefined);
    this.body.replaceChildren();
    if (hadFocus) this.returnFocusTo.focus();
    this.onClose();
  }
}
