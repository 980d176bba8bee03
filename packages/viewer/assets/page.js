// The result page of one action (served at /view/<id>) or one answer (report.html): a classic
// script, no framework, no build step. It reads the answer either from the JSON block the report
// inlines (#dc-answer) or from `<this page's URL>/data` (same query: the signature goes along),
// polling while the action runs. 3Dmol.js ($3Dmol) draws the two 3D views.
(function () {
  'use strict';

  const POLL_MS = 1000;
  /** ms: the wait after a request that failed for a moment (no answer, 429, 503…), doubled after each further one up to RETRY_MAX_MS. */
  const RETRY_FIRST_MS = 1000;
  const RETRY_MAX_MS = 30_000;
  /** HTTP statuses that mean "not now": a proxy, a rate limit, the API during a Redis failover. The page tries again; any other is final. */
  const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);
  /** Å: how far a neighbour may sit beyond the answer's first-shell distance and still count (rounding of the answer and float32 in 3Dmol). */
  const SHELL_TOLERANCE = 0.02;
  /** Å: an atom this close to the defect's position is the defect (substitution, interstitial). */
  const SAME_SITE = 0.05;
  /** Å: the first view frames the atoms this close to the defect, its surroundings rather than the whole supercell. */
  const FRAME = 7;
  /** Fractional: points this close to a cell face are drawn on the opposite face too. */
  const FACE = 1e-3;
  const HIGHLIGHT = '#ff00aa';
  /**
   * Hues for the overview's interstitial sites, one per Wyckoff label: saturated, dark enough to read
   * on white (from Sasha Trubetskoy's 20 distinct colours). Those too close to a host element's Jmol
   * colour (ELEMENT_CLASH) are skipped for that host: the first two would pass for O and N.
   */
  const SITE_HUES = ['#4363d8', '#3cb44b', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#e6194b', '#469990', '#9a6324', '#000075', '#808000', '#800000'];
  /** CIE76 ΔE below which a site's colour reads as an element's: #e6194b is 37 from oxygen's #ff0d0d, #4363d8 31 from nitrogen's #3050f8. */
  const ELEMENT_CLASH = 45;
  /** HSL lightness steps giving each site that shares a Wyckoff label with another a shade of the label's hue, in order. */
  const SHADES = [0, -0.17, 0.15, -0.3, 0.27];
  /** Sphere sizes: scale of 3Dmol's van der Waals radius for atoms; Å for the shapes the page adds. */
  const ATOM_SCALE = 0.2;
  const SHELL_SCALE = 0.38;
  const DEFECT_SCALE = 0.5;
  const GHOST_RADIUS = 0.8;
  const OVERVIEW_ATOM_SCALE = 0.14;
  /** Å: interstitial sites in the overview, larger than any host atom there (0.14 × at most 2.75 Å); the selected candidate's site larger still. */
  const SITE_RADIUS = 0.4;
  const SELECTED_SITE_RADIUS = 0.52;

  const $ = (id) => document.getElementById(id);
  const state = { answer: null, selected: null, sort: { key: 'index', dir: 1 }, defectViewer: null, overviewViewer: null, defect: null, sites: null, hostCell: null, overviewDirection: null };

  // ---------------------------------------------------------------- small vector helpers

  /** cart = frac · lattice (rows are the cell vectors, Å). */
  const toCart = (f, L) => [0, 1, 2].map((k) => f[0] * L[0][k] + f[1] * L[1][k] + f[2] * L[2][k]);
  const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const add = (a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
  const norm = (v) => Math.hypot(v[0], v[1], v[2]);
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const scale = (v, k) => [v[0] * k, v[1] * k, v[2] * k];
  const unit = (v) => scale(v, 1 / norm(v));
  const wrap = (x) => {
    const w = x - Math.floor(x);
    return w >= 1 - 1e-9 ? 0 : w;
  };
  function inverse3(m) {
    const [a, b, c] = m[0], [d, e, f] = m[1], [g, h, i] = m[2];
    const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
    const det = a * A + b * B + c * C;
    return [
      [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
      [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
      [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
    ];
  }
  /** The shortest image of the Cartesian vector `d` in the lattice `L` (searching the neighbouring cells: skewed supercells need it). */
  function minimumImage(d, L, Linv) {
    const f = toCart(d, Linv); // d · L⁻¹: fractional components
    const base = f.map((x) => x - Math.round(x));
    let best = null;
    for (let i = -1; i <= 1; i++)
      for (let j = -1; j <= 1; j++)
        for (let k = -1; k <= 1; k++) {
          const v = toCart([base[0] + i, base[1] + j, base[2] + k], L);
          const n = norm(v);
          if (!best || n < best.distance) best = { vector: v, distance: n };
        }
    return best;
  }
  /**
   * Whether two fractional points are one point of the crystal, within `tol` Å. The folded
   * difference is not the minimum image in a skewed cell, but the points compared here are images of
   * one another under symmetry, so a coincidence shows as a difference near zero anyway.
   */
  const samePoint = (a, b, L, tol) => norm(toCart(sub(a, b).map((d) => d - Math.round(d)), L)) < tol;

  /**
   * Images of a fractional point under the host's operations, wrapped and distinct (the orbit in the
   * unit cell). The operations come factored (at most 48 coset representatives, then the cell's pure
   * translations): the representatives' images are made distinct up to a pure translation (≤ 48²·N
   * checks), and each distinct one then stands for N points of the orbit, all distinct.
   */
  function orbit(x, ops, L) {
    if (!ops || ops.rotations.length === 0) return [x.map(wrap)];
    const pure = ops.pure_translations ?? [[0, 0, 0]];
    const representatives = [];
    ops.rotations.forEach((R, n) => {
      const t = ops.translations[n];
      const y = [0, 1, 2].map((r) => wrap(R[r][0] * x[0] + R[r][1] * x[1] + R[r][2] * x[2] + t[r]));
      if (!representatives.some((p) => pure.some((tau) => samePoint(add(p, tau), y, L, 1e-3)))) representatives.push(y);
    });
    return representatives.flatMap((p) => pure.map((tau) => add(p, tau).map(wrap)));
  }
  /** A point and its copies on the opposite faces, edges and corners when it lies on a face of the cell. */
  function faceImages(p) {
    let images = [p];
    for (let k = 0; k < 3; k++) {
      if (p[k] < FACE) images = images.concat(images.map((q) => q.map((x, j) => (j === k ? x + 1 : x))));
    }
    return images;
  }
  const elementColour = (el) => window.$3Dmol.elementColors.Jmol[el] ?? window.$3Dmol.elementColors.defaultColor;
  /** Å: 3Dmol's van der Waals radius of an element (Bondi's), which its sphere style scales; 1.5 where it has none. */
  const vdwRadius = (el) => (window.$3Dmol.GLModel && window.$3Dmol.GLModel.vdwRadii && window.$3Dmol.GLModel.vdwRadii[el]) || 1.5;

  // ---------------------------------------------------------------- colours

  /** [r, g, b] (0–255) of '#rrggbb' or of a number 0xrrggbb (3Dmol's element colours). */
  const rgbOf = (c) => (typeof c === 'number' ? [(c >> 16) & 255, (c >> 8) & 255, c & 255] : [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
  const hexOf = (rgb) => `#${rgb.map((x) => Math.round(Math.min(255, Math.max(0, x))).toString(16).padStart(2, '0')).join('')}`;
  /** CIE L*a*b* (D65) of an sRGB colour: where distances match what the eye sees, roughly. */
  function lab(rgb) {
    const [r, g, b] = rgb.map((x) => {
      const c = x / 255;
      return c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92;
    });
    const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
    const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
  }
  const deltaE = (a, b) => norm(sub(lab(rgbOf(a)), lab(rgbOf(b))));
  /** The colour with its HSL lightness moved by `dl` (kept within 0.18–0.82, so it stays a colour on white). */
  function shade(hex, dl) {
    if (dl === 0) return hex;
    const [r, g, b] = rgbOf(hex).map((x) => x / 255);
    const max = Math.max(r, g, b), min = Math.min(r, g, b);
    const l = (max + min) / 2;
    const d = max - min;
    const s = d === 0 ? 0 : d / (1 - Math.abs(2 * l - 1));
    let h = d === 0 ? 0 : max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    h = (h * 60 + 360) % 360;
    const L = Math.min(0.82, Math.max(0.18, l + dl));
    const C = (1 - Math.abs(2 * L - 1)) * s;
    const X = C * (1 - Math.abs(((h / 60) % 2) - 1));
    const [r1, g1, b1] = h < 60 ? [C, X, 0] : h < 120 ? [X, C, 0] : h < 180 ? [0, C, X] : h < 240 ? [0, X, C] : h < 300 ? [X, 0, C] : [C, 0, X];
    return hexOf([r1, g1, b1].map((v) => (v + L - C / 2) * 255));
  }

  // ---------------------------------------------------------------- text helpers

  /**
   * Distances (Å) with 3 decimals everywhere (table, caption, labels): the answer's neighbour
   * distances carry 3, and 2 (doped's, in names such as Cd_i_Td_Te2.81) would make 1.873 and
   * 1.868 Å look alike in a distorted host.
   */
  const distance = (x) => (typeof x === 'number' ? x.toFixed(3) : '—');
  /** A fractional coordinate for reading: 4 decimals, in [0, 1) (1 and 0.99999999 are 0), no -0. */
  const fraction = (x) => {
    const r = Math.round(x * 1e4);
    const w = (r - 1e4 * Math.floor(r / 1e4)) / 1e4;
    return String(w === 0 ? 0 : w);
  };
  const charges = (qs) => qs.map((q) => (q > 0 ? `+${q}` : String(q))).join(', ');
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  /** Interstitials: their own distance to the nearest host atom; lattice-site defects: the site's nearest-neighbour distance. */
  const hostDistance = (c) => (typeof c.min_host_distance === 'number' ? c.min_host_distance : c.nearest_neighbors.length ? c.nearest_neighbors[0].distance : null);
  const sourceOf = (c) => (c.defect_type === 'interstitial' ? String(c.source ?? 'interstitial') : 'lattice');
  /** '16e' → [16, 'e'] so labels sort by multiplicity, then letter. */
  const wyckoffKey = (w) => {
    const m = /^(\d+)(.*)$/.exec(w);
    return m ? [Number(m[1]), m[2]] : [0, w];
  };
  /** An interstitial's site in doped's name: what follows `_i_` (`C3v_Ga2.08` of `Mg_i_C3v_Ga2.08`). */
  const siteName = (name) => (name.includes('_i_') ? name.slice(name.indexOf('_i_') + 3) : name);

  // ---------------------------------------------------------------- loading and progress

  const dataUrl = () => `${location.pathname.replace(/\/+$/, '')}/data${location.search}`;

  function setState(name) {
    document.body.dataset.state = name;
  }

  function showProgress(action) {
    setState('running');
    $('status').hidden = false;
    const p = action.progress;
    const percent = p && typeof p.percent === 'number' ? p.percent : 0;
    $('status-text').textContent =
      action.status === 'queued' ? 'Queued: waiting for a worker…' : `Running: ${p && p.stage ? p.stage : 'starting'} (${percent} %)`;
    $('progress').value = percent;
    $('subtitle').textContent = `Action ${action.id} · ${action.status}`;
  }

  /** The page's end when the action cannot be shown: `title` says why (the action failed, the link expired…), `help` whether to say how to get a fresh link. */
  function showFailure(title, message, code, help = false) {
    setState('error');
    $('status').hidden = true;
    $('failure').hidden = false;
    $('failure-title').textContent = title;
    $('error-message').textContent = message;
    $('error-code').textContent = code;
    $('failure-help').hidden = !help;
  }

  /** An answer that is final: the link expired or is wrong (403), the action is gone (404), or a request the API refuses. */
  function showRefusal(status, error) {
    const code = error.code || String(status);
    const message = error.message || `HTTP ${status}`;
    if (status === 403) showFailure(code === 'link_expired' ? 'This link has expired' : 'This link is not valid', message, code, true);
    else if (status === 404) showFailure('This action is no longer kept', `${message}: the service keeps actions for a limited time.`, code);
    else showFailure('The page cannot load this action', message, code);
  }

  /** ms before trying again after `failures` failed requests in a row: doubling from RETRY_FIRST_MS, at least what Retry-After asks, with a fifth at random so many pages do not all return at once. */
  function retryDelay(failures, response) {
    const backoff = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failures - 1)) * (0.8 + 0.2 * Math.random());
    const asked = response ? Number(response.headers.get('retry-after')) * 1000 : NaN;
    return Math.round(Number.isFinite(asked) && asked > backoff ? Math.min(asked, 2 * RETRY_MAX_MS) : backoff);
  }

  function showReconnecting(response, body, wait) {
    setState('reconnecting');
    $('status').hidden = false;
    const why = response ? `answered HTTP ${response.status}${body && body.error && body.error.message ? `: ${body.error.message}` : ''}` : 'does not answer';
    $('status-text').textContent = `The service ${why}; reconnecting in ${Math.ceil(wait / 1000)} s…`;
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  /**
   * Reads the action until it ends. Only the action's own `error` status ends the page as failed;
   * a moment without the service (no answer, 429, 5xx: a restart, a Redis failover, a rate limit)
   * is tried again with a growing wait, and a refused link says so (an expired one, how to get another).
   */
  async function poll() {
    let failures = 0;
    for (;;) {
      let response = null;
      try {
        response = await fetch(dataUrl(), { cache: 'no-store', credentials: 'same-origin' });
      } catch {
        // No answer at all: the service restarts, or the network is down.
      }
      const body = response ? await response.json().catch(() => null) : null;
      // The served page runs this script before 3Dmol.js (both deferred), so that the first request overlaps 3Dmol's download and start.
      await viewerReady;
      if (response && !response.ok && !RETRYABLE.has(response.status)) return showRefusal(response.status, (body && body.error) || {});
      if (!response || !response.ok || !body) {
        failures++;
        const wait = retryDelay(failures, response);
        showReconnecting(response, body, wait);
        await sleep(wait);
        continue;
      }
      failures = 0;
      if (body.status === 'success') return showResult(body.answer, `${location.pathname.replace(/\/+$/, '')}/archive.zip${location.search}`);
      if (body.status === 'error') {
        const error = body.error || {};
        return showFailure('The action failed', error.message || 'The action failed', error.code || 'internal');
      }
      showProgress(body);
      await sleep(POLL_MS);
    }
  }

  // ---------------------------------------------------------------- the result

  // Performance marks (dc:data, dc:defect, dc:ready) time the page's stages for the browser tests and anyone's devtools.
  function showResult(answer, archiveHref) {
    performance.mark('dc:data');
    state.answer = answer;
    $('status').hidden = true;
    $('result').hidden = false;
    const host = answer.host;
    $('title').textContent = `${host.formula} · ${host.space_group.symbol} (#${host.space_group.number})`;
    document.title = `${host.formula} defect candidates`;
    $('subtitle').textContent = `${answer.candidates.length} candidates in a ${answer.supercell.n_atoms}-atom supercell · defect-candidates ${answer.version}`;
    fillHost(answer);
    if (archiveHref) {
      const a = el('a', 'Download every structure (zip)');
      a.href = archiveHref;
      $('downloads').replaceChildren(a);
    }
    state.sites = interstitialSites(answer);
    state.hostCell = hostCellAtoms(answer.host);
    state.overviewDirection = overviewDirection(answer.host.lattice, state.hostCell, state.sites);
    fillLegend();
    fillCandidates();
    if (answer.candidates.length > 0) select(answer.candidates[0]);
    else $('defect-caption').textContent = 'No candidates in this answer.';
    performance.mark('dc:defect');
    draw(drawOverview, 'legend');
    performance.mark('dc:ready');
    setState('ready');
  }

  function fillHost(answer) {
    const host = answer.host;
    const sc = answer.supercell;
    const facts = [
      ['Formula', host.formula],
      ['Space group', `${host.space_group.symbol} (#${host.space_group.number})`],
      ['Sites in the cell', String(host.n_sites)],
      ['Supercell', `${sc.n_atoms} atoms, ${JSON.stringify(sc.matrix)} of the ${sc.base} cell`],
      ['Image distance', `${distance(sc.min_image_distance)} Å between a defect and its nearest periodic image`],
      // The method 'none' leaves them empty: every defect then gets -1, 0, +1 (see the warnings).
      ['Oxidation states', `${Object.entries(host.oxidation_states).map(([e, q]) => `${e} ${q > 0 ? '+' : ''}${q}`).join(', ') || 'none found'} (${host.oxidation_state_method})`],
    ];
    const dl = $('host-facts');
    dl.replaceChildren();
    for (const [k, v] of facts) dl.append(el('dt', k), el('dd', v));
    const body = $('host-sites').tBodies[0];
    body.replaceChildren(
      ...host.sites.map((s) => {
        const tr = document.createElement('tr');
        tr.append(el('td', s.element), el('td', s.wyckoff), el('td', s.site_symmetry), el('td', s.point_group), el('td', String(s.multiplicity)), el('td', s.frac_coords.map(fraction).join(', ')), el('td', s.oxidation_state === null ? '—' : String(s.oxidation_state)));
        return tr;
      }),
    );
    const warnings = $('warnings');
    warnings.replaceChildren(...(answer.warnings.length ? answer.warnings.map((w) => el('li', w)) : [el('li', 'None.', 'muted')]));
  }

  const COLUMNS = {
    index: (c) => c.__index,
    name: (c) => c.name,
    defect_type: (c) => c.defect_type,
    wyckoff: (c) => wyckoffKey(c.wyckoff),
    site_symmetry: (c) => c.site_symmetry,
    multiplicity: (c) => c.multiplicity,
    charges: (c) => (c.charge_states.length ? Math.max(...c.charge_states) : 0),
    host_distance: (c) => hostDistance(c) ?? -1,
    source: (c) => sourceOf(c),
  };
  function compare(a, b) {
    if (Array.isArray(a)) return compare(a[0], b[0]) || compare(a[1], b[1]);
    if (typeof a === 'number') return a - b;
    return String(a).localeCompare(String(b));
  }

  function fillCandidates() {
    const list = state.answer.candidates;
    list.forEach((c, i) => (c.__index = i + 1));
    $('candidate-count').textContent = `(${list.length})`;
    const { key, dir } = state.sort;
    const sorted = [...list].sort((a, b) => dir * compare(COLUMNS[key](a), COLUMNS[key](b)) || a.__index - b.__index);
    const body = $('candidate-table').tBodies[0];
    body.replaceChildren(
      ...sorted.map((c) => {
        const tr = document.createElement('tr');
        tr.tabIndex = 0;
        tr.dataset.name = c.name;
        tr.setAttribute('aria-selected', String(c === state.selected));
        const d = hostDistance(c);
        tr.append(
          el('td', String(c.__index), 'num'),
          el('td', c.name, 'name'),
          el('td', c.defect_type),
          el('td', c.wyckoff),
          el('td', `${c.site_symmetry} (${c.point_group})`),
          el('td', String(c.multiplicity), 'num'),
          el('td', charges(c.charge_states), 'charges'),
          el('td', distance(d), 'num'),
          el('td', sourceOf(c)),
        );
        tr.addEventListener('click', () => select(c));
        tr.addEventListener('keydown', (e) => onRowKey(e, tr, c));
        return tr;
      }),
    );
    for (const th of $('candidate-table').tHead.rows[0].cells) {
      th.setAttribute('aria-sort', th.dataset.key === key ? (dir > 0 ? 'ascending' : 'descending') : 'none');
    }
  }

  function onRowKey(event, tr, c) {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      select(c);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = event.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
      if (next) {
        next.focus();
        next.click();
      }
    }
  }

  function sortBy(key) {
    state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: 1 };
    fillCandidates();
  }

  function select(c) {
    state.selected = c;
    for (const tr of $('candidate-table').tBodies[0].rows) tr.setAttribute('aria-selected', String(tr.dataset.name === c.name));
    document.body.dataset.selected = c.name;
    draw(() => drawDefect(c), 'defect-caption');
    if (state.overviewViewer) draw(drawOverview, 'legend');
  }

  /** Runs a drawing; where it fails (a browser without WebGL) the tables stay, and `noteId` says why there is no picture. */
  function draw(fn, noteId) {
    try {
      fn();
    } catch (err) {
      $(noteId).textContent = `No 3D view: ${err && err.message ? err.message : String(err)} (it needs WebGL).`;
    }
  }

  // ---------------------------------------------------------------- where the camera looks from

  /** Unit vectors spread evenly over the sphere (a Fibonacci lattice): the directions the defect may be looked at from. */
  const DIRECTIONS = (() => {
    const n = 720;
    const turn = Math.PI * (3 - Math.sqrt(5));
    return Array.from({ length: n }, (_, i) => {
      const z = 1 - (2 * i + 1) / n;
      const r = Math.sqrt(1 - z * z);
      return [r * Math.cos(turn * i), r * Math.sin(turn * i), z];
    });
  })();
  /** Å: the camera's distance from the defect in the close-up (3Dmol's zoom to a 5 Å selection at its 20° field of view), the strongest perspective of the page's frames. */
  const CAMERA_DISTANCE = 28;
  /** Å: atoms this far behind a see-through vacancy ghost still show through it. */
  const BEHIND = 6;
  /** Points of the overview judged at most (atoms and sites): 160 make 12,720 pairs for each of its directions (at most 288). */
  const OVERVIEW_SAMPLE = 160;
  /** Å: a direction whose score reaches this leaves the defect and its neighbours plainly apart; among those the one nearest the overview's is taken. */
  const GOOD_ENOUGH = 0.6;

  /**
   * Where to look at the defect from: a unit vector (Cartesian) from the defect towards the camera.
   * Not the file's z axis, down which a crystal's atoms stand in columns (a vacancy's ghost then
   * sits on an atom of its own kind, an interstitial behind a neighbour, labels on labels): the
   * direction among DIRECTIONS that best keeps the defect in sight and its neighbours apart.
   * `drawn`: what the view draws but the defect, `{ p: [3] Cartesian Å, r: sphere radius Å, shell }`.
   * For a direction, `clearance` is the least margin (Å, in the defect's plane) by which an atom
   * misses covering the middle half of the defect's disc (radius `radius`): every atom in front of
   * the defect, a neighbour behind it (it must show), and behind a see-through ghost whatever is
   * within BEHIND Å; perspective counted for a camera CAMERA_DISTANCE Å away. `spread` is the least
   * distance across the screen between two neighbours, where their labels go. The score is the
   * smaller of clearance and spread / 2; among the directions scoring within 0.05 Å of the best
   * (or GOOD_ENOUGH), the one nearest `prefer`, so that candidates are seen from about one side.
   * 720 × |drawn| steps: 5–25 ms for 50–120 atoms in Chromium on the shared 2-core test VM.
   */
  function defectViewDirection(drawn, radius, seeThrough, prefer) {
    const shell = drawn.filter((a) => a.shell);
    let best = -Infinity;
    const scored = DIRECTIONS.map((u) => {
      let clearance = Infinity;
      for (const a of drawn) {
        const t = dot(a.p, u);
        if (t <= 0 && !a.shell && (!seeThrough || t < -BEHIND)) continue;
        if (t > CAMERA_DISTANCE - 2) continue; // behind the camera
        const across = Math.sqrt(Math.max(0, dot(a.p, a.p) - t * t));
        // Seen from the camera, an atom at depth t is magnified by D / (D - t) against the defect's plane.
        const margin = across - a.r - (0.5 * radius * (CAMERA_DISTANCE - t)) / CAMERA_DISTANCE;
        if (margin < clearance) clearance = margin;
      }
      let spread = Infinity;
      for (let i = 0; i < shell.length; i++)
        for (let j = i + 1; j < shell.length; j++) {
          const d = sub(shell[i].p, shell[j].p);
          const t = dot(d, u);
          spread = Math.min(spread, Math.sqrt(Math.max(0, dot(d, d) - t * t)));
        }
      const score = Math.min(clearance, spread / 2);
      if (score > best) best = score;
      return { u, score };
    });
    const bar = Math.min(best - 0.05, GOOD_ENOUGH);
    let pick = null;
    for (const s of scored) if (s.score >= bar && (!pick || dot(s.u, prefer) > dot(pick.u, prefer))) pick = s;
    return pick.u;
  }

  /** `L`'s c axis (or b, when one looks down c) as it shows on a screen facing `u`: it points up, as in crystallographers' drawings. */
  function screenUp(u, L) {
    for (const axis of [L[2], L[1], L[0]]) {
      const a = unit(axis);
      const up = sub(a, scale(u, dot(a, u)));
      if (norm(up) > 0.3) return unit(up);
    }
    return [0, 1, 0];
  }

  /**
   * Turns the view so that the camera looks from direction `u` (unit, Cartesian, from the centre
   * towards the camera) with `up` pointing up, keeping its centre and zoom. 3Dmol holds the turn as
   * the quaternion of getView()[4..7], applied to model coordinates: it must take u to +z (towards
   * the camera) and up to +y. The rotation's rows are the screen's axes in model coordinates.
   */
  function lookFrom(v, u, up) {
    const m = [cross(up, u), up, u];
    const trace = m[0][0] + m[1][1] + m[2][2];
    let q;
    if (trace > 0) {
      const k = 0.5 / Math.sqrt(trace + 1);
      q = [(m[2][1] - m[1][2]) * k, (m[0][2] - m[2][0]) * k, (m[1][0] - m[0][1]) * k, 0.25 / k];
    } else if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
      const k = 2 * Math.sqrt(1 + m[0][0] - m[1][1] - m[2][2]);
      q = [0.25 * k, (m[0][1] + m[1][0]) / k, (m[0][2] + m[2][0]) / k, (m[2][1] - m[1][2]) / k];
    } else if (m[1][1] > m[2][2]) {
      const k = 2 * Math.sqrt(1 + m[1][1] - m[0][0] - m[2][2]);
      q = [(m[0][1] + m[1][0]) / k, 0.25 * k, (m[1][2] + m[2][1]) / k, (m[0][2] - m[2][0]) / k];
    } else {
      const k = 2 * Math.sqrt(1 + m[2][2] - m[0][0] - m[1][1]);
      q = [(m[0][2] + m[2][0]) / k, (m[1][2] + m[2][1]) / k, 0.25 * k, (m[1][0] - m[0][1]) / k];
    }
    const view = v.getView();
    view.splice(4, 4, ...q);
    v.setView(view);
  }

  /**
   * The overview's direction (unit, Cartesian, towards the camera): the cell seen from its side and
   * a little above, c up, as in a crystallographer's clinographic drawing, so that it shows as a
   * box rather than as stacked layers. Among elevations of 14–32° above the plane normal to c and
   * azimuths every 5° about c, at least 12° from the in-plane lattice rows (±a, ±b, ±(a+b), ±(a−b),
   * along which atoms line up and a face shows flat), the one where the drawn atoms and sites cover
   * one another least (the sum over pairs of how far their discs overlap on the screen, Å); ties
   * (within 0.1 Å) go to the one nearest 25° round from a and 20° up.
   */
  function overviewDirection(L, atoms, sites) {
    const c = unit(L[2]);
    const flat = (v) => unit(sub(v, scale(c, dot(v, c))));
    const e1 = flat(L[0]);
    const e2 = cross(c, e1);
    const rows = [L[0], L[1], add(L[0], L[1]), sub(L[0], L[1])].map(flat).flatMap((r) => [r, scale(r, -1)]);
    let points = atoms.map((a) => ({ p: a.position, r: vdwRadius(a.element) * OVERVIEW_ATOM_SCALE }));
    for (const s of sites) for (const p of s.points) for (const q of faceImages(p)) points.push({ p: toCart(q, L), r: SITE_RADIUS });
    // Pairs grow as the square: a large cell is judged on an even sample of its points (tens of ms at most).
    const step = Math.ceil(points.length / OVERVIEW_SAMPLE);
    if (step > 1) points = points.filter((_, i) => i % step === 0);
    const around = (az) => add(scale(e1, Math.cos((az * Math.PI) / 180)), scale(e2, Math.sin((az * Math.PI) / 180)));
    const direction = (az, el) => add(scale(around(az), Math.cos((el * Math.PI) / 180)), scale(c, Math.sin((el * Math.PI) / 180)));
    // Each pair once, flat: its difference vector, squared length and summed radii.
    const pairs = new Float64Array(((points.length * (points.length - 1)) / 2) * 5);
    let n = 0;
    for (let i = 0; i < points.length; i++)
      for (let j = i + 1; j < points.length; j++) {
        const d = sub(points[i].p, points[j].p);
        pairs.set([d[0], d[1], d[2], dot(d, d), points[i].r + points[j].r], n);
        n += 5;
      }
    const offRows = Math.cos((12 * Math.PI) / 180);
    const scored = [];
    for (let az = 0; az < 360; az += 5) {
      if (rows.some((r) => dot(r, around(az)) > offRows)) continue;
      for (let el = 14; el <= 32; el += 6) {
        const u = direction(az, el);
        let overlap = 0;
        for (let k = 0; k < n; k += 5) {
          const t = pairs[k] * u[0] + pairs[k + 1] * u[1] + pairs[k + 2] * u[2];
          const across = Math.sqrt(Math.max(0, pairs[k + 3] - t * t));
          if (across < pairs[k + 4]) overlap += pairs[k + 4] - across;
        }
        scored.push({ u, overlap });
      }
    }
    const prefer = direction(25, 20);
    if (scored.length === 0) return prefer;
    const least = Math.min(...scored.map((s) => s.overlap));
    let pick = null;
    for (const s of scored) if (s.overlap <= least + 0.1 && (!pick || dot(s.u, prefer) > dot(pick.u, prefer))) pick = s;
    return pick.u;
  }

  // ---------------------------------------------------------------- the selected defect in its supercell

  // 3Dmol's antialiasing renders at twice the resolution, four times the pixels: too slow where
  // WebGL runs in software (no GPU, remote desktops), and not needed on high-density screens.
  const viewer = (id) => window.$3Dmol.createViewer($(id), { backgroundColor: 'white', antialias: false });

  /** The cell's twelve edges (rows of `L` are its vectors, Å); 3Dmol's own box reads POSCAR lattices transposed. */
  function drawCell(v, L) {
    const corner = (p) => xyz(toCart(p, L));
    for (let k = 0; k < 3; k++) {
      for (const [i, j] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        // The edge along axis k, at the other two axes' fractional coordinates i and j.
        const start = [0, 0, 0];
        start[(k + 1) % 3] = i;
        start[(k + 2) % 3] = j;
        const end = [...start];
        end[k] = 1;
        v.addLine({ start: corner(start), end: corner(end), color: '#8a93a6' });
      }
    }
  }

  /**
   * The first neighbour shell of the defect: every atom (or its nearest image) within the answer's
   * shell distance, each with the answer's distance for it (`nearest_neighbors` groups atoms by
   * element and distance to 0.01 Å), so that labels and caption say the same.
   */
  function firstShell(c, atoms, defectIndex) {
    const L = state.answer.supercell.lattice;
    const Linv = inverse3(L);
    const reach = Math.max(0, ...c.nearest_neighbors.map((n) => n.distance)) + SHELL_TOLERANCE;
    const shell = [];
    atoms.forEach((atom, i) => {
      if (i === defectIndex) return;
      const image = minimumImage(sub([atom.x, atom.y, atom.z], c.cart_coords), L, Linv);
      if (image.distance > reach) return;
      const position = add(c.cart_coords, image.vector);
      let listed = null;
      for (const n of c.nearest_neighbors) {
        if (n.element === atom.elem && (!listed || Math.abs(n.distance - image.distance) < Math.abs(listed.distance - image.distance))) listed = n;
      }
      const shown = listed && Math.abs(listed.distance - image.distance) <= SHELL_TOLERANCE ? listed.distance : image.distance;
      shell.push({ index: atom.index, elem: atom.elem, position, distance: shown, inCell: norm(sub(position, [atom.x, atom.y, atom.z])) < 1e-3 });
    });
    return shell;
  }

  function drawDefect(c) {
    // Each call below that redraws costs a frame, slow where WebGL runs in software: a new viewer has nothing to clear, labels wait for the one render.
    if (state.defectViewer) state.defectViewer.clear();
    const v = (state.defectViewer ??= viewer('defect-view'));
    $('defect-title').textContent = c.name;
    if (!c.poscar) {
      state.defect = null;
      $('defect-caption').textContent = 'This answer carries no structure to draw: ask for poscar (or cif, pymatgen, extxyz) in output_formats.';
      v.render();
      return;
    }
    const model = v.addModel(c.poscar, 'vasp');
    const atoms = model.selectedAtoms({});
    const at = c.cart_coords;
    let defectIndex = -1;
    if (c.defect_type !== 'vacancy') {
      let best = SAME_SITE;
      atoms.forEach((a, i) => {
        const d = norm(sub([a.x, a.y, a.z], at));
        if (d < best && a.elem === c.species) [best, defectIndex] = [d, i];
      });
    }
    const shell = firstShell(c, atoms, defectIndex);

    v.setStyle({}, { sphere: { scale: ATOM_SCALE, colorscheme: 'Jmol' }, stick: { radius: 0.07, colorscheme: 'Jmol' } });
    const inCell = shell.filter((n) => n.inCell).map((n) => n.index);
    if (inCell.length) v.setStyle({ index: inCell }, { sphere: { scale: SHELL_SCALE, colorscheme: 'Jmol' }, stick: { radius: 0.07, colorscheme: 'Jmol' } });
    for (const n of shell.filter((n) => !n.inCell)) v.addSphere({ center: xyz(n.position), radius: vdwRadius(n.elem) * SHELL_SCALE, color: elementColour(n.elem) });
    let radius;
    if (defectIndex >= 0) {
      v.setStyle({ index: atoms[defectIndex].index }, { sphere: { scale: DEFECT_SCALE, colorscheme: 'Jmol' } });
      v.addSphere({ center: xyz(at), radius: 1.05, color: HIGHLIGHT, opacity: 0.35 });
      radius = vdwRadius(c.species) * DEFECT_SCALE;
    } else {
      // The ghost of the removed atom: its element's colour, see-through, with a wire shell.
      v.addSphere({ center: xyz(at), radius: GHOST_RADIUS, color: elementColour(c.host_species), opacity: 0.35 });
      v.addSphere({ center: xyz(at), radius: GHOST_RADIUS + 0.05, color: HIGHLIGHT, wireframe: true, linewidth: 1 });
      radius = GHOST_RADIUS;
    }
    for (const n of shell) v.addCylinder({ start: xyz(at), end: xyz(n.position), radius: 0.04, color: '#e08000', dashed: true, dashLength: 0.15, gapLength: 0.12, fromCap: 1, toCap: 1 });
    drawCell(v, state.answer.supercell.lattice);

    // What is drawn but the defect, relative to it: atoms of the cell, and the neighbours' images outside it.
    const shellIndices = new Set(inCell);
    const drawn = atoms
      .filter((a, i) => i !== defectIndex)
      .map((a) => ({ p: sub([a.x, a.y, a.z], at), r: vdwRadius(a.elem) * (shellIndices.has(a.index) ? SHELL_SCALE : ATOM_SCALE), shell: shellIndices.has(a.index) }))
      .concat(shell.filter((n) => !n.inCell).map((n) => ({ p: sub(n.position, at), r: vdwRadius(n.elem) * SHELL_SCALE, shell: true })));
    const direction = defectViewDirection(drawn, radius, defectIndex < 0, state.overviewDirection);
    const up = screenUp(direction, state.answer.host.lattice);
    lookFrom(v, direction, up);

    const labels = placeLabels(
      at,
      radius,
      { text: c.name, style: NAME_LABEL },
      shell.map((n) => ({ text: `${n.elem} ${distance(n.distance)} Å`, style: SHELL_LABEL, position: n.position })),
      direction,
      up,
      $('defect-view').clientHeight / 2 / FRAME,
    );
    // Neighbours' labels first: 3Dmol draws later labels on top, and the defect's name must stay readable.
    for (const label of labels.slice(1).concat(labels[0])) v.addLabel(label.text, { ...label.style, position: xyz(label.anchor), alignment: 'center' }, undefined, true);
    state.defect = {
      at,
      model,
      radius,
      seeThrough: defectIndex < 0,
      labels: labels.map((l) => ({ text: l.text, anchor: l.anchor, size: l.size })),
      drawn: drawn.map((a) => ({ position: add(a.p, at), shell: a.shell })),
      shellIndices: inCell.concat(defectIndex >= 0 ? [atoms[defectIndex].index] : []),
      around: atoms.filter((a) => norm(sub([a.x, a.y, a.z], at)) < FRAME).map((a) => a.index),
    };

    const shellText = shell.length
      ? `${shell.length} neighbours: ${c.nearest_neighbors.map((n) => `${n.count} ${n.element} at ${distance(n.distance)} Å`).join(', ')}`
      : 'no neighbour within the first shell';
    const kind = c.defect_type === 'vacancy' ? `vacancy of ${c.host_species} (ghost sphere)` : c.defect_type === 'substitution' ? `${c.species} on a ${c.host_species} site (highlighted)` : `${c.species} interstitial (highlighted)`;
    $('defect-caption').textContent = `${kind}; Wyckoff ${c.wyckoff}, site symmetry ${c.site_symmetry} (${c.point_group}); ${shellText}; supercell of ${c.n_atoms} atoms.`;
    surroundings();
  }

  const xyz = (p) => ({ x: p[0], y: p[1], z: p[2] });

  /** 3Dmol label styles: the neighbours' distances, and the defect's name. `padding` is 3Dmol's (px on each side, 4 by default). */
  const SHELL_LABEL = { fontSize: 11, fontColor: 'black', backgroundColor: 'white', backgroundOpacity: 0.8, borderThickness: 0, padding: 2, inFront: true };
  const NAME_LABEL = { fontSize: 13, fontColor: 'white', backgroundColor: '#333333', backgroundOpacity: 0.85, borderThickness: 0, padding: 3, inFront: true };
  let measuring = null;
  /** px: a label's box as 3Dmol draws it (its Label: the text's width in `<size>px sans-serif` plus padding; 1.25 × the size plus padding high). */
  function labelSize(text, style) {
    measuring ??= document.createElement('canvas').getContext('2d');
    measuring.font = `${style.fontSize}px sans-serif`;
    return [measuring.measureText(text).width + 2 * style.padding, style.fontSize * 1.25 + 2 * style.padding];
  }

  /**
   * Where each label goes, so that none covers another in the first frame: `name` above the defect,
   * then each neighbour's beside its atom, the nearest to the defect on the screen first, at the
   * first of a few spots (outwards from the defect, above, below, to either side, further out) whose
   * box overlaps no label placed yet, else where it overlaps least. Worked out on the screen of the
   * first frame (`pxPerAngstrom` at the defect, its perspective from a camera FRAME / tan 10° away)
   * and anchored in 3D (`anchor`, Cartesian Å, in the screen's plane through the atom), so a label
   * stays by its atom when the view turns. Returns `[name, ...neighbours]`, each
   * `{ text, style, anchor, size: [w, h] px }`.
   */
  function placeLabels(at, radius, name, neighbours, u, up, pxPerAngstrom) {
    const right = cross(up, u);
    const distanceToCamera = FRAME / Math.tan(Math.PI / 18);
    const boxes = [];
    const overlap = (a, b) => Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
    // Screen px relative to the defect, y up; a box is [left, bottom, right, top].
    const box = (centre, size) => [centre[0] - size[0] / 2, centre[1] - size[1] / 2, centre[0] + size[0] / 2, centre[1] + size[1] / 2];
    const nameSize = labelSize(name.text, name.style);
    const nameLift = radius * pxPerAngstrom + nameSize[1] / 2 + 2;
    boxes.push(box([0, nameLift], nameSize));
    const placed = [{ ...name, size: nameSize, anchor: add(at, scale(up, nameLift / pxPerAngstrom)) }];
    const onScreen = neighbours.map((n) => {
      const p = sub(n.position, at);
      const k = (pxPerAngstrom * distanceToCamera) / (distanceToCamera - dot(p, u));
      return { ...n, k, screen: [dot(p, right) * k, dot(p, up) * k] };
    });
    onScreen.sort((a, b) => Math.hypot(...a.screen) - Math.hypot(...b.screen));
    for (const n of onScreen) {
      const size = labelSize(n.text, n.style);
      const length = Math.hypot(...n.screen);
      const out = (d) => (length > 4 ? [(n.screen[0] / length) * d, (n.screen[1] / length) * d] : [0, d]);
      const spots = [
        out(0.5 * size[1] + 10),
        [0, size[1] / 2 + 8],
        [0, -size[1] / 2 - 8],
        out(0.5 * size[1] + 24),
        [size[0] / 2 + 10, 0],
        [-size[0] / 2 - 10, 0],
        out(size[0] / 2 + 12),
        [0, size[1] + 14],
        [0, -size[1] - 14],
        out(size[0] / 2 + 28),
      ];
      let best = null;
      for (const spot of spots) {
        const b = box([n.screen[0] + spot[0], n.screen[1] + spot[1]], size);
        const covered = boxes.reduce((sum, o) => sum + overlap(b, o), 0);
        if (!best || covered < best.covered) best = { spot, b, covered };
        if (covered === 0) break;
      }
      boxes.push(best.b);
      // The spot, px on the screen, as a step in the screen's plane at the atom's depth (magnified k there).
      placed.push({ text: n.text, style: n.style, size, anchor: add(n.position, add(scale(right, best.spot[0] / n.k), scale(up, best.spot[1] / n.k))) });
    }
    return placed;
  }

  /** Puts the defect at the centre of rotation, keeping the zoom. */
  function centreOn(v, p) {
    const view = v.getView();
    view[0] = -p[0];
    view[1] = -p[1];
    view[2] = -p[2];
    v.setView(view);
  }

  /** Zooms to the atoms `pick(defect)` gives (the whole supercell when none) and puts the defect at the centre of rotation. */
  function frame(pick) {
    const v = state.defectViewer;
    const d = state.defect;
    if (!v || !d) return;
    const indices = pick(d);
    v.zoomTo(indices.length ? { index: indices } : { model: d.model });
    centreOn(v, d.at);
    v.render();
  }
  const surroundings = () => frame((d) => d.around);
  const closeUp = () => frame((d) => d.shellIndices);
  const wholeCell = () => frame(() => []);

  // ---------------------------------------------------------------- the host cell with every interstitial site

  /**
   * Distinct interstitial sites of the answer (candidates of several species share one), each with
   * its orbit in the unit cell, in the legend's order (by Wyckoff label, then as the answer lists
   * them) and with its colour: one hue per label, a shade of it for each further site sharing the label.
   */
  function interstitialSites(answer) {
    const L = answer.host.lattice;
    const ops = answer.host.symmetry_operations;
    const sites = [];
    for (const c of answer.candidates) {
      if (c.defect_type !== 'interstitial') continue;
      const p = c.unit_cell_frac_coords.map(wrap);
      const same = sites.find((s) => s.wyckoff === c.wyckoff && s.points.some((q) => samePoint(q, p, L, 1e-2)));
      if (same) same.names.push(c.name);
      else sites.push({ wyckoff: c.wyckoff, site: siteName(c.name), names: [c.name], points: orbit(p, ops, L) });
    }
    sites.sort((a, b) => compare(wyckoffKey(a.wyckoff), wyckoffKey(b.wyckoff)));
    const hostColours = [...new Set(answer.host.sites.map((s) => s.element))].map(elementColour);
    const clashes = (colour) => hostColours.some((e) => deltaE(colour, e) < ELEMENT_CLASH);
    const hues = SITE_HUES.filter((h) => !clashes(h));
    const labels = [...new Set(sites.map((s) => s.wyckoff))];
    for (const [i, label] of labels.entries()) {
      const hue = (hues.length ? hues : SITE_HUES)[i % (hues.length || SITE_HUES.length)];
      // Shades that pass for a host element come last rather than never: two sites of one label never share a colour while shades remain.
      const shades = SHADES.map((dl) => shade(hue, dl));
      const ordered = [...new Set([shades[0], ...shades.slice(1).filter((c) => !clashes(c)), ...shades.slice(1).filter(clashes)])];
      sites.filter((s) => s.wyckoff === label).forEach((s, k) => (s.colour = ordered[k % ordered.length]));
    }
    return sites;
  }

  function fillLegend() {
    const legend = $('legend');
    if (state.sites.length === 0) {
      legend.replaceChildren(el('li', 'No interstitial candidates in this answer.', 'muted'));
      return;
    }
    const partial = state.answer.host.symmetry_operations ? '' : ' (one site per orbit: this answer predates the symmetry operations)';
    legend.replaceChildren(
      ...state.sites.map((s) => {
        const li = document.createElement('li');
        const swatch = el('span', '', 'swatch');
        swatch.style.backgroundColor = s.colour;
        li.dataset.colour = s.colour;
        li.append(swatch, el('strong', s.wyckoff), document.createTextNode(' '), el('span', s.site, 'site'), document.createTextNode(` · ${s.points.length} sites${partial} · ${s.names.join(', ')}`));
        return li;
      }),
    );
  }

  /** The host's unit cell: every site of each orbit, face images included, `{ element, position: [3] Cartesian Å }`. */
  function hostCellAtoms(host) {
    const L = host.lattice;
    const atoms = [];
    for (const s of host.sites) {
      for (const p of orbit(s.frac_coords, host.symmetry_operations, L)) for (const q of faceImages(p)) atoms.push({ element: s.element, position: toCart(q, L) });
    }
    return atoms;
  }

  const asXyz = (atoms, title) => `${atoms.length}\n${title}\n${atoms.map((a) => `${a.element} ${a.position.join(' ')}`).join('\n')}\n`;

  function drawOverview() {
    const answer = state.answer;
    const first = !state.overviewViewer;
    const v = (state.overviewViewer ??= viewer('overview-view'));
    const view = first ? null : v.getView();
    if (!first) v.clear();
    const L = answer.host.lattice;
    v.addModel(asXyz(state.hostCell, `${answer.host.formula} unit cell`), 'xyz');
    v.setStyle({}, { sphere: { scale: OVERVIEW_ATOM_SCALE, colorscheme: 'Jmol' }, stick: { radius: 0.06, colorscheme: 'Jmol' } });
    drawCell(v, L);
    const selected = state.selected ? state.selected.name : null;
    for (const s of state.sites) {
      const mine = s.names.includes(selected);
      for (const p of s.points) {
        for (const q of faceImages(p)) v.addSphere({ center: xyz(toCart(q, L)), radius: mine ? SELECTED_SITE_RADIUS : SITE_RADIUS, color: s.colour });
      }
    }
    if (view) v.setView(view);
    else {
      lookFrom(v, state.overviewDirection, screenUp(state.overviewDirection, L));
      v.zoomTo();
    }
    v.render();
  }

  // ---------------------------------------------------------------- start

  /** 3Dmol.js has run: at once in report.html (inlined before this script), at DOMContentLoaded on the served page (deferred after it). */
  const viewerReady = new Promise((resolve) => {
    if (window.$3Dmol) resolve();
    else document.addEventListener('DOMContentLoaded', () => resolve(), { once: true });
  });

  function start() {
    for (const th of $('candidate-table').tHead.rows[0].cells) {
      th.tabIndex = 0;
      th.addEventListener('click', () => sortBy(th.dataset.key));
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          sortBy(th.dataset.key);
        }
      });
    }
    $('centre').addEventListener('click', closeUp);
    $('whole').addEventListener('click', wholeCell);
    window.addEventListener('resize', () => {
      for (const v of [state.defectViewer, state.overviewViewer]) if (v) v.resize();
    });
    // For the browser tests and anyone's devtools: the two viewers and what the defect's view drew (read-only use).
    window.defectCandidatesPage = {
      get defectViewer() {
        return state.defectViewer;
      },
      get overviewViewer() {
        return state.overviewViewer;
      },
      get defect() {
        return state.defect;
      },
      get sites() {
        return state.sites;
      },
    };
    const embedded = $('dc-answer');
    if (embedded) void viewerReady.then(() => showResult(JSON.parse(embedded.textContent), null));
    else void poll();
  }

  start();
})();
