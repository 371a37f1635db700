// The GeoJSON the sample page's maps load: hand-made shapes around real places in the province of
// Utrecht (not real boundaries), in CRS84, served by static-server.mjs in two pages of an OGC API
// items response. The values the tests rely on are named here.

/** A closed, counter-clockwise ring of `n` points around a centre, wobbling deterministically. */
function blob(lon, lat, rx, ry, wobble) {
  const n = 12;
  const ring = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    const r = 1 + wobble * Math.sin(3 * a + lon * 10);
    ring.push([round(lon + rx * r * Math.cos(a)), round(lat + ry * r * Math.sin(a))]);
  }
  ring.push(ring[0]);
  return {type: 'Polygon', coordinates: [ring]};
}

const round = (x) => Math.round(x * 1e6) / 1e6;

/** A property value that would run a script if a popup inserted it as HTML. */
export const HOSTILE_TEXT = '<img src=x onerror=alert(1)>';

const municipality = (code, name, inwoners, lon, lat, rx, ry, extra = {}) => ({
  type: 'Feature',
  id: code,
  geometry: blob(lon, lat, rx, ry, 0.12),
  properties: {statcode: code, statnaam: name, inwoners, ...extra},
});

export const FIRST_PAGE = [
  {
    ...municipality('GM0344', 'Utrecht', 374238, 5.105, 52.09, 0.075, 0.045, {opmerking: HOSTILE_TEXT}),
    links: [{rel: 'alternate', type: 'text/html', href: '/gemeenten/GM0344', title: 'Utrecht'}],
  },
  municipality('GM0307', 'Amersfoort', 161248, 5.39, 52.16, 0.07, 0.04),
  municipality('GM0355', 'Zeist', 65812, 5.255, 52.085, 0.05, 0.035),
  municipality('GM0356', 'Nieuwegein', 64787, 5.085, 52.025, 0.035, 0.022),
  municipality('GM0345', 'Veenendaal', 68103, 5.56, 52.025, 0.035, 0.022),
  {
    type: 'Feature',
    id: 'provinciehuis',
    geometry: {type: 'Point', coordinates: [5.1638, 52.0868]},
    properties: {naam: 'Provinciehuis', adres: 'Archimedeslaan 6, Utrecht', inwoners: null},
  },
];

export const SECOND_PAGE = [
  municipality('GM1904', 'Stichtse Vecht', 65301, 5.02, 52.19, 0.06, 0.045),
  municipality('GM0321', 'Houten', 51133, 5.175, 52.02, 0.04, 0.025),
  municipality('GM0310', 'De Bilt', 43993, 5.18, 52.135, 0.045, 0.025),
];

export const ALL_FEATURES = [...FIRST_PAGE, ...SECOND_PAGE];

/** An OGC API Features items page: `page` 1 links to page 2 with rel=next. */
export function itemsPage(page) {
  const features = page === 2 ? SECOND_PAGE : FIRST_PAGE;
  const links = [
    {rel: 'self', type: 'application/geo+json', href: `/sample/items.json${page === 2 ? '?page=2' : ''}`},
    {rel: 'alternate', type: 'text/html', href: '/sample/items.html'},
  ];
  if (page !== 2) links.push({rel: 'next', type: 'application/geo+json', href: '/sample/items.json?page=2'});
  else links.push({rel: 'prev', type: 'application/geo+json', href: '/sample/items.json'});
  return {
    type: 'FeatureCollection',
    numberMatched: ALL_FEATURES.length,
    numberReturned: features.length,
    features,
    links,
  };
}
