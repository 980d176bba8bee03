// The result page of one action (served at /view/<id>) or one answer (report.html): a classic
// script, no framework, no build step. It reads the answer either from the JSON block the report
// inlines (#dc-answer) or from `<this page's URL>/data` (same query: the signature goes along),
// polling while the action runs. 3Dmol.js ($3Dmol) draws the two 3D views.
(function () {
  'use strict';

  const POLL_MS = 1000;
  /** Å: how far a neighbour may sit beyond the answer's first-shell distance and still count (rounding of the answer and float32 in 3Dmol). */
  const SHELL_TOLERANCE = 0.02;
  /** Å: an atom this close to the defect's position is the defect (substitution, interstitial). */
  const SAME_SITE = 0.05;
  /** Å: the first view frames the atoms this close to the defect, its surroundings rather than the whole supercell. */
  const FRAME = 7;
  /** Fractional: points this close to a cell face are drawn on the opposite face too. */
  const FACE = 1e-3;
  const WYCKOFF_COLOURS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324', '#469990', '#800000', '#808000', '#000075'];
  const HIGHLIGHT = '#ff00aa';

  const $ = (id) => document.getElementById(id);
  const state = { answer: null, selected: null, sort: { key: 'index', dir: 1 }, defectViewer: null, overviewViewer: null, defect: null, sites: null, hostCell: null };

  // ---------------------------------------------------------------- small vector helpers

  /** cart = frac · lattice (rows are the cell vectors, Å). */
  const toCart = (f, L) => [0, 1, 2].map((k) => f[0] * L[0][k] + f[1] * L[1][k] + f[2] * L[2][k]);
  const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const add = (a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
  const norm = (v) => Math.hypot(v[0], v[1], v[2]);
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

  // ---------------------------------------------------------------- text helpers

  const fmt = (x, digits = 3) => (typeof x === 'number' ? String(Math.round(x * 10 ** digits) / 10 ** digits) : '—');
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

  function showFailure(message, code) {
    setState('error');
    $('status').hidden = true;
    $('failure').hidden = false;
    $('error-message').textContent = message;
    $('error-code').textContent = code;
  }

  async function poll() {
    for (;;) {
      let response;
      try {
        response = await fetch(dataUrl(), { cache: 'no-store', credentials: 'same-origin' });
      } catch (err) {
        $('status-text').textContent = 'The service does not answer; trying again…';
        await new Promise((r) => setTimeout(r, POLL_MS));
        continue;
      }
      const body = await response.json().catch(() => null);
      // The served page runs this script before 3Dmol.js (both deferred), so that the first request overlaps 3Dmol's download and start.
      await viewerReady;
      if (!response.ok) {
        const error = (body && body.error) || {};
        showFailure(error.message || `HTTP ${response.status}`, error.code || String(response.status));
        return;
      }
      if (body.status === 'success') return showResult(body.answer, `${location.pathname.replace(/\/+$/, '')}/archive.zip${location.search}`);
      if (body.status === 'error') {
        const error = body.error || {};
        return showFailure(error.message || 'The action failed', error.code || 'internal');
      }
      showProgress(body);
      await new Promise((r) => setTimeout(r, POLL_MS));
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
      ['Image distance', `${fmt(sc.min_image_distance)} Å between a defect and its nearest periodic image`],
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
        tr.append(el('td', s.element), el('td', s.wyckoff), el('td', s.site_symmetry), el('td', s.point_group), el('td', String(s.multiplicity)), el('td', s.frac_coords.map((x) => fmt(x, 4)).join(', ')), el('td', s.oxidation_state === null ? '—' : String(s.oxidation_state)));
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
          el('td', d === null ? '—' : fmt(d), 'num'),
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

  /** The first neighbour shell of the defect: every atom (or its nearest image) within the answer's shell distance. */
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
      shell.push({ index: atom.index, elem: atom.elem, position, distance: image.distance, inCell: norm(sub(position, [atom.x, atom.y, atom.z])) < 1e-3 });
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

    v.setStyle({}, { sphere: { scale: 0.2, colorscheme: 'Jmol' }, stick: { radius: 0.07, colorscheme: 'Jmol' } });
    const inCell = shell.filter((n) => n.inCell).map((n) => n.index);
    if (inCell.length) v.setStyle({ index: inCell }, { sphere: { scale: 0.38, colorscheme: 'Jmol' }, stick: { radius: 0.07, colorscheme: 'Jmol' } });
    for (const n of shell.filter((n) => !n.inCell)) v.addSphere({ center: xyz(n.position), radius: 0.55, color: elementColour(n.elem) });
    if (defectIndex >= 0) {
      v.setStyle({ index: atoms[defectIndex].index }, { sphere: { scale: 0.5, colorscheme: 'Jmol' } });
      v.addSphere({ center: xyz(at), radius: 1.05, color: HIGHLIGHT, opacity: 0.35 });
    } else {
      // The ghost of the removed atom: its element's colour, see-through, with a wire shell.
      v.addSphere({ center: xyz(at), radius: 0.8, color: elementColour(c.host_species), opacity: 0.35 });
      v.addSphere({ center: xyz(at), radius: 0.85, color: HIGHLIGHT, wireframe: true, linewidth: 1 });
    }
    for (const n of shell) {
      v.addCylinder({ start: xyz(at), end: xyz(n.position), radius: 0.04, color: '#e08000', dashed: true, dashLength: 0.15, gapLength: 0.12, fromCap: 1, toCap: 1 });
      v.addLabel(`${n.elem} ${n.distance.toFixed(2)} Å`, {
        position: xyz(n.position),
        screenOffset: { x: 0, y: -14 },
        fontSize: 11,
        fontColor: 'black',
        backgroundColor: 'white',
        backgroundOpacity: 0.75,
        borderThickness: 0,
        inFront: true,
        alignment: 'center',
      }, undefined, true);
    }
    v.addLabel(c.name, { position: xyz(at), fontSize: 13, fontColor: 'white', backgroundColor: '#333333', backgroundOpacity: 0.85, inFront: true, screenOffset: { x: 0, y: -28 }, alignment: 'center' }, undefined, true);
    drawCell(v, state.answer.supercell.lattice);
    state.defect = {
      at,
      model,
      shellIndices: inCell.concat(defectIndex >= 0 ? [atoms[defectIndex].index] : []),
      around: atoms.filter((a) => norm(sub([a.x, a.y, a.z], at)) < FRAME).map((a) => a.index),
    };

    const shellText = shell.length
      ? `${shell.length} neighbours: ${c.nearest_neighbors.map((n) => `${n.count} ${n.element} at ${fmt(n.distance)} Å`).join(', ')}`
      : 'no neighbour within the first shell';
    const kind = c.defect_type === 'vacancy' ? `vacancy of ${c.host_species} (ghost sphere)` : c.defect_type === 'substitution' ? `${c.species} on a ${c.host_species} site (highlighted)` : `${c.species} interstitial (highlighted)`;
    $('defect-caption').textContent = `${kind}; Wyckoff ${c.wyckoff}, site symmetry ${c.site_symmetry} (${c.point_group}); ${shellText}; supercell of ${c.n_atoms} atoms.`;
    surroundings();
  }

  const xyz = (p) => ({ x: p[0], y: p[1], z: p[2] });

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

  /** Distinct interstitial sites of the answer (candidates of several species share one), each with its orbit in the unit cell. */
  function interstitialSites(answer) {
    const L = answer.host.lattice;
    const ops = answer.host.symmetry_operations;
    const sites = [];
    for (const c of answer.candidates) {
      if (c.defect_type !== 'interstitial') continue;
      const p = c.unit_cell_frac_coords.map(wrap);
      const same = sites.find((s) => s.wyckoff === c.wyckoff && s.points.some((q) => samePoint(q, p, L, 1e-2)));
      if (same) same.names.push(c.name);
      else sites.push({ wyckoff: c.wyckoff, names: [c.name], points: orbit(p, ops, L) });
    }
    const labels = [...new Set(sites.map((s) => s.wyckoff))].sort((a, b) => compare(wyckoffKey(a), wyckoffKey(b)));
    for (const s of sites) s.colour = WYCKOFF_COLOURS[labels.indexOf(s.wyckoff) % WYCKOFF_COLOURS.length];
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
        li.append(swatch, el('strong', s.wyckoff), document.createTextNode(` · ${s.points.length} sites${partial} · ${s.names.join(', ')}`));
        return li;
      }),
    );
  }

  /** The host's unit cell as XYZ: every site of each orbit, face images included. */
  function hostCellXyz(host) {
    const L = host.lattice;
    const atoms = [];
    for (const s of host.sites) {
      for (const p of orbit(s.frac_coords, host.symmetry_operations, L)) for (const q of faceImages(p)) atoms.push([s.element, toCart(q, L)]);
    }
    return `${atoms.length}\n${host.formula} unit cell\n${atoms.map(([e, p]) => `${e} ${p.join(' ')}`).join('\n')}\n`;
  }

  function drawOverview() {
    const answer = state.answer;
    const first = !state.overviewViewer;
    const v = (state.overviewViewer ??= viewer('overview-view'));
    const view = first ? null : v.getView();
    if (!first) v.clear();
    const L = answer.host.lattice;
    v.addModel((state.hostCell ??= hostCellXyz(answer.host)), 'xyz');
    v.setStyle({}, { sphere: { scale: 0.28, colorscheme: 'Jmol' }, stick: { radius: 0.08, colorscheme: 'Jmol' } });
    drawCell(v, L);
    const selected = state.selected ? state.selected.name : null;
    for (const s of state.sites) {
      const mine = s.names.includes(selected);
      for (const p of s.points) {
        for (const q of faceImages(p)) v.addSphere({ center: xyz(toCart(q, L)), radius: mine ? 0.42 : 0.3, color: s.colour });
      }
    }
    if (view) v.setView(view);
    else v.zoomTo();
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
    const embedded = $('dc-answer');
    if (embedded) void viewerReady.then(() => showResult(JSON.parse(embedded.textContent), null));
    else void poll();
  }

  start();
})();
