import { createHash } from 'node:crypto';
import type { DefectAnswer } from '@defect-candidates/core';
import { pageAnswer } from './page-data.ts';

/** The page's script, style and the 3D viewer (3Dmol.js), as text: what `readViewerAssets` reads. */
export interface ViewerAssets {
  /** 3Dmol.js's minified browser build. */
  viewerJs: string;
  pageJs: string;
  pageCss: string;
}

/**
 * The Content-Security-Policy of the served page: scripts, styles and requests from our own origin
 * only, nothing inline, no eval, no plug-ins, frames or forms. 3Dmol draws labels into its WebGL
 * canvas and builds no worker unless surfaces are asked for, which the page never does.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Where the served page finds its assets, relative to `/view/<id>`: they live at `/viewer/<name>`.
 * Relative, so the page works behind a proxy that serves the API under a path prefix (PUBLIC_URL's)
 * without the API knowing it; the API redirects `/view/<id>/` (where it would not resolve) to `/view/<id>`.
 */
const ASSET_BASE = '../viewer/';

/** How to get a fresh link, for people who opened one that expired or was cut short (HTML). */
const LINK_HELP =
  'Result-page links are valid for a limited time (24 hours unless the service is set otherwise) and only as given, whole. ' +
  'Ask whoever sent you this one for a fresh link, or, with an API key, read <code>links.view</code> in <code>GET /actions/&lt;id&gt;</code>, which always holds a current one.';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Script text made safe to sit between <script> tags: `</script` and `<!--` would end or change
 * the element early. Both are rewritten with a backslash, which JavaScript strings, templates,
 * regular expressions and comments read as the same characters.
 */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The body both pages share; the script fills it in. */
function body(title: string): string {
  return `<header>
  <h1 id="title">${escapeHtml(title)}</h1>
  <p id="subtitle"></p>
</header>
<section id="status" aria-live="polite">
  <p id="status-text">Loading…</p>
  <progress id="progress" max="100"></progress>
</section>
<section id="failure" role="alert" hidden>
  <h2 id="failure-title">The action failed</h2>
  <p id="error-message"></p>
  <p id="failure-help" hidden>${LINK_HELP}</p>
  <p>Code: <code id="error-code"></code></p>
</section>
<main id="result" hidden>
  <div class="row">
    <section id="candidates">
      <h2>Candidates <span id="candidate-count" class="muted"></span></h2>
      <div class="scroll">
        <table id="candidate-table">
          <thead><tr>
            <th data-key="index" aria-sort="ascending">#</th>
            <th data-key="name">Name</th>
            <th data-key="defect_type">Type</th>
            <th data-key="wyckoff">Wyckoff</th>
            <th data-key="site_symmetry">Site symmetry</th>
            <th data-key="multiplicity">Mult.</th>
            <th data-key="charges">Charges</th>
            <th data-key="host_distance" title="Interstitials: distance to the nearest host atom. Vacancies and substitutions: distance from the site to its nearest neighbour.">Distance to host (Å)</th>
            <th data-key="source" title="Interstitials: how the site was found (Voronoi vertex, Wyckoff position, given by you, adsorption site on the surface of a slab or rod). Vacancies and substitutions: lattice, a site of the host.">Source</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </section>
    <figure id="defect-panel">
      <figcaption>
        <span id="defect-title"></span>
        <span class="buttons"><button type="button" id="centre">Centre on defect</button> <button type="button" id="whole">Whole supercell</button></span>
      </figcaption>
      <div id="defect-view" class="viewport"></div>
      <p id="defect-caption" class="muted"></p>
    </figure>
  </div>
  <div class="row">
    <section id="host">
      <h2>Host</h2>
      <dl id="host-facts"></dl>
      <table id="host-sites">
        <thead><tr><th>Element</th><th>Wyckoff</th><th>Site symmetry</th><th>Point group</th><th>Mult.</th><th>Fractional coordinates</th><th>Oxidation state</th></tr></thead>
        <tbody></tbody>
      </table>
      <h3>Warnings</h3>
      <ul id="warnings"></ul>
      <p id="downloads"></p>
    </section>
    <figure id="overview-panel">
      <figcaption>Host unit cell with every interstitial site, coloured by Wyckoff label (sites sharing a label in shades of its colour)</figcaption>
      <div id="overview-view" class="viewport"></div>
      <ul id="legend"></ul>
    </figure>
  </div>
</main>
<footer class="muted">defect-candidates · 3D views by 3Dmol.js (3dmol.org, BSD-3-Clause, David Koes and contributors) · drag to rotate, scroll to zoom, right-drag or ctrl-drag to move</footer>`;
}

/** An HTML document: `head` after the common meta tags and title, `body` with its `data-state`. */
function htmlDocument(title: string, head: string, state: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
${head}
</head>
<body data-state="${state}">
${body}
</body>
</html>
`;
}

const page = (head: string, title: string, scripts: string) => htmlDocument(title, head, 'loading', `${body(title)}\n${scripts}`);

/**
 * The page the API serves at `/view/<id>`: the same for every action. Its script reads the action
 * from `<its own URL>/data` (same query, so the signature goes along) and polls while it runs.
 * Send it with `PAGE_CSP`.
 */
export function servedPageHtml(): string {
  return page(
    `<link rel="stylesheet" href="${ASSET_BASE}page.css">`,
    'Defect candidates',
    // Deferred, the page's script first: it asks for the action while 3Dmol.js (0.54 MB) downloads and starts.
    `<script defer src="${ASSET_BASE}page.js"></script>\n<script defer src="${ASSET_BASE}3Dmol-min.js"></script>`,
  );
}

/**
 * report.html: the page with the answer, 3Dmol.js, its script and style inlined, so it opens from
 * disk with no server and no network. Its own Content-Security-Policy allows exactly those inline
 * scripts and style (by hash) and no request at all. About 0.55 MB plus one POSCAR per candidate.
 */
export function reportHtml(answer: DefectAnswer, assets: ViewerAssets): string {
  const viewerJs = inlineScript(assets.viewerJs);
  const pageJs = inlineScript(assets.pageJs);
  const css = assets.pageCss.replace(/<\/(style)/gi, '<\\/$1');
  // JSON in a data block: `<` escaped as \u003c so no `</script>` or `<!--` can appear in it.
  const data = JSON.stringify(pageAnswer(answer)).replace(/</g, '\\u003c');
  const csp = ["default-src 'none'", `script-src ${sha256(viewerJs)} ${sha256(pageJs)}`, `style-src ${sha256(css)}`, "base-uri 'none'", "form-action 'none'"].join('; ');
  return page(
    `<meta http-equiv="Content-Security-Policy" content="${csp}">\n<style>${css}</style>`,
    `${answer.host.formula} defect candidates`,
    `<script type="application/json" id="dc-answer">${data}</script>\n<script>${viewerJs}</script>\n<script>${pageJs}</script>`,
  );
}

/**
 * What a browser gets instead of the JSON error when it opens a result-page link (the page or its
 * archive) that is expired or wrong: a small page saying so and how to get a fresh link. No
 * script; its style is the page's own, `assetBase` being the relative path from the URL asked for
 * to `/viewer/` (`../viewer/` from `/view/<id>`). Send it with `PAGE_CSP`.
 */
export function linkErrorHtml(error: { code: string; message: string }, assetBase: string): string {
  const title = error.code === 'link_expired' ? 'This link has expired' : 'This link is not valid';
  return htmlDocument(
    title,
    `<link rel="stylesheet" href="${escapeHtml(assetBase)}page.css">`,
    'link-error',
    `<section id="failure" role="alert">
  <h2 id="failure-title">${escapeHtml(title)}</h2>
  <p id="error-message">${escapeHtml(error.message)}</p>
  <p>${LINK_HELP}</p>
  <p>Code: <code id="error-code">${escapeHtml(error.code)}</code></p>
</section>`,
  );
}
