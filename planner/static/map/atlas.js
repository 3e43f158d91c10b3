/* The thematic map page (/map/): Leaflet draws the unit geometry of the current zoom band,
   coloured from values.json (joined by unit code), with the middle level's outlines on top
   (districts; grassroots office areas "BHXH cơ sở" from July 2025), a legend,
   a sortable and filterable table showing the same numbers, and a profile panel.

   Geometry and values are separate requests: geometry is large and rarely changes (the
   browser revalidates it by ETag), values are small and change with every control. No build
   step and no library besides Leaflet. For tests: every unit path carries data-code (and
   data-class); the map container gets data-state="ready" and a growing data-renders after each
   render; window.atlas exposes the state and a `ready` promise. */
(function () {
  "use strict";

  const root = document.getElementById("atlas");
  if (!root || !window.L) { return; }

  const T = JSON.parse(document.getElementById("atlas-strings").textContent);
  const LOCALE = document.documentElement.lang === "en" ? "en-US" : "vi-VN";
  const NUMBER = new Intl.NumberFormat(LOCALE);
  const COLLATOR = new Intl.Collator(LOCALE === "vi-VN" ? "vi" : "en", {numeric: true});
  const NO_DATA_COLOR = "#cccccc";
  const CONTEXT_STYLE = {fillColor: "#f1f3f5", fillOpacity: 1, color: "#ced4da", weight: 0.5};
  // Sorted worst first by default: for these layers a high value is bad...
  const HIGH_IS_BAD = new Set(["gap", "days_since_conference"]);
  // ...and here "no value" means "never", the worst of all.
  const NULL_IS_WORST = new Set(["days_since_conference"]);
  // Parameters the URL keeps, in this order.
  const QUERY_KEYS = ["layer", "period", "base", "method", "classes", "level", "district", "commune"];

  const $ = (id) => document.getElementById(id);
  const el = {
    map: $("atlas-map"), overlay: $("atlas-overlay"), overlayText: $("atlas-overlay-text"),
    status: $("atlas-status"), title: $("atlas-title"), subtitle: $("atlas-subtitle"), note: $("atlas-note"),
    demo: $("demo-badge"), legend: $("atlas-legend"),
    layer: $("atlas-layer"), period: $("atlas-period"), base: $("atlas-base"),
    baseField: $("atlas-base-field"), method: $("atlas-method"), methodField: $("atlas-method-field"),
    classes: $("atlas-classes"), classesField: $("atlas-classes-field"), level: $("atlas-level"),
    district: $("atlas-district"), districtField: $("atlas-district-field"), province: $("atlas-province"),
    profile: $("atlas-profile"), profileTitle: $("atlas-profile-title"), profileBody: $("atlas-profile-body"),
    profileClose: $("atlas-profile-close"), profileDistrict: $("atlas-profile-district"),
    filter: $("atlas-filter"), table: $("atlas-table"), tbody: document.querySelector("#atlas-table tbody"),
    count: $("atlas-table-count"), valueCol: $("atlas-col-value"), nameCol: $("atlas-col-name"),
    districtCol: $("atlas-col-district"), levelMiddle: $("atlas-level-middle"), districtLabel: $("atlas-district-label"),
    dlXlsx: $("atlas-dl-xlsx"), dlGeojson: $("atlas-dl-geojson"), dlPng: $("atlas-dl-png"),
    dlHtml: $("atlas-dl-html"),
  };
  // The page view's map_config (URLs, zoom bands, layers that allow target breaks); the data-*
  // attributes of #atlas are the fallback.
  const configNode = document.getElementById("atlas-config");
  const config = configNode ? JSON.parse(configNode.textContent) : {};
  const urls = {
    values: config.values_url || root.dataset.valuesUrl, profile: config.profile_url || root.dataset.profileUrl,
    xlsx: config.xlsx_url || root.dataset.xlsxUrl, geojson: config.geojson_url || root.dataset.geojsonUrl,
    png: config.png_url || root.dataset.pngUrl, html: config.html_url || root.dataset.htmlUrl,
  };
  const BAND_ZOOMS = Array.isArray(config.band_zooms) && config.band_zooms.length === 2 ? config.band_zooms : [9, 11];
  const NO_TARGET = new Set((config.layers || []).filter((l) => l.target_method === false).map((l) => l.key));
  // What the middle level is called in the hierarchy version of the period shown: "Huyện" until
  // June 2025, "BHXH cơ sở" (grassroots office areas) from July 2025. The page config names the
  // opening period's; every values.json names its own.
  const middleLabel = () => (data && data.middle_label) || config.middle_label || "";

  const fmt = (text, args) => text.replace(/\{(\w+)\}/g, (m, k) => (k in args ? args[k] : m));
  const monthLabel = (p) => (p && /^\d{4}-\d{2}$/.test(p) ? p.slice(5) + "/" + p.slice(0, 4) : p || "");
  const fold = (s) => (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  const dateKey = (s) => { const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s || ""); return m ? m[3] + m[2] + m[1] : ""; };
  const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => (
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const narrow = () => window.matchMedia("(max-width: 991.98px)").matches;

  // --- state ---------------------------------------------------------------------------------
  const state = {};
  const query = new URLSearchParams(window.location.search);
  for (const key of QUERY_KEYS) { if (query.get(key)) { state[key] = query.get(key); } }
  state.level = state.level === "district" ? "district" : "commune";

  let data = null;            // the last values.json
  let rows = [];              // table rows of the last render, by the current sort
  let rowByCode = new Map();
  let sort = null;            // {key, dir}
  let classFilter = null;     // legend class index (or "none") the table is limited to
  let seq = 0;                // the newest load; older answers are dropped
  let renders = 0;
  const geometryCache = new Map();   // url -> Promise(FeatureCollection)
  const profileCache = new Map();

  let readyResolve = null;
  const atlas = window.atlas = {state, renders: 0, ready: null, map: null, data: null, reload: () => load()};
  function newReady() { atlas.ready = new Promise((resolve) => { readyResolve = resolve; }); }
  newReady();

  // --- the map -------------------------------------------------------------------------------
  const map = L.map(el.map, {zoomSnap: 0.25, zoomDelta: 0.5, doubleClickZoom: false, preferCanvas: false, attributionControl: false});
  atlas.map = map;
  map.createPane("atlas-outline").style.zIndex = 450;
  map.getPane("atlas-outline").style.pointerEvents = "none";
  map.setView([19.2, 104.9], 8);
  if (root.dataset.tileUrl) {
    L.tileLayer(root.dataset.tileUrl, {attribution: root.dataset.tileAttribution || "", maxZoom: 18}).addTo(map);
    L.control.attribution({prefix: false}).addTo(map);
  }
  let unitLayer = null;       // L.GeoJSON of the coloured units
  let unitLayers = new Map(); // code -> path layer
  let outlineLayer = null;
  let drawn = {band: null, url: null, outline: null};
  let selected = null;

  const bandFor = (zoom) => (zoom < BAND_ZOOMS[0] ? 0 : zoom < BAND_ZOOMS[1] ? 1 : 2);

  function geometry(url) {
    if (!geometryCache.has(url)) {
      // Default fetch cache: the browser revalidates with If-None-Match and gets a 304.
      const promise = fetchJSON(url).catch((err) => { geometryCache.delete(url); throw err; });
      geometryCache.set(url, promise);
    }
    return geometryCache.get(url);
  }

  async function fetchJSON(url) {
    let response;
    try {
      response = await fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}});
    } catch (err) {
      throw Object.assign(new Error(T.offline), {offline: true});
    }
    let body = null;
    try { body = await response.json(); } catch (err) { body = null; }
    if (!response.ok || body === null) {
      const message = body && body.error ? body.error : null;
      throw Object.assign(new Error(message || T.error), {status: response.status, serverMessage: message});
    }
    return body;
  }

  function valueOf(code) { return data && data.values ? data.values[code] : undefined; }

  function colorFor(cls) {
    const entry = data.legend.find((e) => e.class === cls);
    return entry ? entry.color : NO_DATA_COLOR;
  }

  function styleFor(code) {
    const v = valueOf(code);
    if (v === undefined) { return CONTEXT_STYLE; }
    const isSelected = code === selected;
    return {
      fillColor: v[1] === null ? colorFor(null) : colorFor(v[1]), fillOpacity: 0.9,
      color: isSelected ? "#111" : "#ffffff", weight: isSelected ? 3 : 0.6, opacity: 1,
    };
  }

  function mark(code, layer) {
    const path = layer.getElement && layer.getElement();
    if (!path) { return; }
    const v = valueOf(code);
    path.dataset.code = code;
    path.dataset.class = v === undefined ? "" : v[1] === null ? "none" : String(v[1]);
    path.classList.toggle("atlas-context", v === undefined);
    path.classList.toggle("atlas-selected", code === selected);
  }

  function restyle() {
    for (const [code, layer] of unitLayers) {
      layer.setStyle(styleFor(code));
      mark(code, layer);
    }
    const current = selected && unitLayers.get(selected);
    if (current) { current.bringToFront(); }
  }

  function tooltipFor(feature) {
    const p = feature.properties || {};
    const v = valueOf(p.code);
    let html = "<strong>" + escapeHtml(p.name || p.code) + "</strong>";
    if (p.district) { html += "<br><span class=\"text-muted\">" + escapeHtml(p.district) + "</span>"; }
    if (v !== undefined && data) { html += "<br>" + escapeHtml(data.label) + ": <strong>" + escapeHtml(v[2]) + "</strong>"; }
    return html;
  }

  function drawUnits(fc) {
    if (unitLayer) { map.removeLayer(unitLayer); }
    unitLayers = new Map();
    unitLayer = L.geoJSON(fc, {
      style: (f) => styleFor(f.properties.code),
      onEachFeature: (feature, layer) => {
        const code = feature.properties.code;
        unitLayers.set(code, layer);
        layer.bindTooltip(() => tooltipFor(feature), {sticky: true, direction: "top", className: "atlas-tooltip"});
        layer.on("click", () => onUnitClick(feature));
        layer.on("dblclick", () => onUnitDoubleClick(feature));
        layer.on("add", () => mark(code, layer));
      },
    }).addTo(map);
    restyle();
  }

  function drawOutlines(fc) {
    if (outlineLayer) { map.removeLayer(outlineLayer); outlineLayer = null; }
    if (!fc) { return; }
    outlineLayer = L.geoJSON(fc, {pane: "atlas-outline", interactive: false, style: outlineStyle}).addTo(map);
  }

  // The district drilled into gets a heavier border.
  const outlineStyle = (f) => ({
    color: "#343a40", opacity: 0.9, fill: false,
    weight: state.district && f.properties.code === state.district ? 3 : 1.4,
  });

  function featureBounds(codes) {
    const bounds = L.latLngBounds([]);
    for (const code of codes) {
      const layer = unitLayers.get(code);
      if (layer) { bounds.extend(layer.getBounds()); }
    }
    return bounds;
  }

  function fitToData() {
    const codes = data && data.values ? Object.keys(data.values).filter((c) => unitLayers.has(c)) : [];
    const bounds = featureBounds(codes.length ? codes : unitLayers.keys());
    if (!bounds.isValid()) { return; }
    map.fitBounds(bounds, {padding: [8, 8], animate: false});
    // On wide screens the legend floats in the upper right corner: if it hides a unit, fit
    // again in the space left of it.
    if (getComputedStyle(el.legend).position !== "absolute") { return; }
    const frame = el.map.getBoundingClientRect();
    const box = el.legend.getBoundingClientRect();
    const legend = L.bounds([box.left - frame.left, box.top - frame.top], [box.right - frame.left, box.bottom - frame.top]);
    const hidden = codes.some((code) => {
      const b = unitLayers.get(code).getBounds();
      return legend.intersects(L.bounds(map.latLngToContainerPoint(b.getNorthWest()),
        map.latLngToContainerPoint(b.getSouthEast())));
    });
    if (hidden) {
      map.fitBounds(bounds, {paddingTopLeft: [8, 8], paddingBottomRight: [frame.right - box.left + 8, 8], animate: false});
    }
  }

  // --- loading -------------------------------------------------------------------------------
  function setBusy(text) {
    el.map.dataset.state = "loading";
    el.overlayText.textContent = text;
    el.overlay.hidden = false;
    root.setAttribute("aria-busy", "true");
  }

  function setDone(kind) {
    el.map.dataset.state = kind;
    el.overlay.hidden = true;
    root.removeAttribute("aria-busy");
    renders += 1;
    atlas.renders = renders;
    el.map.dataset.renders = String(renders);
    if (readyResolve) { readyResolve(kind); readyResolve = null; }
  }

  function showStatus(kind, message, actions) {
    el.status.replaceChildren();
    if (!message) { return; }
    const box = document.createElement("div");
    box.className = "alert py-2 mb-2 alert-" + kind;
    box.id = "atlas-message";
    box.dataset.kind = kind;
    box.append(message);
    for (const action of actions || []) {
      box.append(" ");
      box.append(action);
    }
    el.status.append(box);
  }

  function retryButton() {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm btn-outline-secondary ms-2";
    b.textContent = T.retry;
    b.addEventListener("click", () => load());
    return b;
  }

  function resetLink() {
    const a = document.createElement("a");
    a.href = window.location.pathname;
    a.className = "ms-2";
    a.textContent = T.reset;
    return a;
  }

  function valuesParams() {
    const p = new URLSearchParams();
    p.set("layer", state.layer || "");
    if (state.period) { p.set("period", state.period); }
    if (state.layer === "hi_change" && state.base) { p.set("base", state.base); }
    const categorical = data && data.layer === state.layer && data.kind !== "numeric";
    if (!categorical) {
      if (state.method) { p.set("method", state.method); }
      if (state.classes) { p.set("classes", state.classes); }
    }
    p.set("level", state.level);
    if (state.district) { p.set("district", state.district); }
    if (!state.layer) { p.delete("layer"); }
    return p;
  }

  function syncUrl() {
    const p = new URLSearchParams();
    for (const key of QUERY_KEYS) {
      if (key === "base" && state.layer !== "hi_change") { continue; }
      if (key === "level" && state.level === "commune") { continue; }
      if (state[key]) { p.set(key, state[key]); }
    }
    const search = p.toString();
    window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
    const q = valuesParams().toString();
    el.dlXlsx.href = urls.xlsx + "?" + q;
    el.dlGeojson.href = urls.geojson + "?" + q;
    el.dlPng.href = urls.png + "?" + q;
    el.dlHtml.href = urls.html + "?" + q;
  }

  /** Fetch values for the state, then draw: the one path every control goes through. */
  async function load(options) {
    const opts = options || {};
    const token = ++seq;
    if (!readyResolve) { newReady(); }
    setBusy(data ? T.loadingValues : T.loading);
    let answer;
    try {
      answer = await fetchJSON(urls.values + "?" + valuesParams().toString());
    } catch (err) {
      if (token !== seq) { return; }
      if (err.status === 404 && state.district) {
        // The district is not in this period's hierarchy (or not the user's): show the province.
        delete state.district;
        load({fit: true});
        return;
      }
      showStatus(err.status >= 400 && err.status < 500 ? "warning" : "danger",
        err.serverMessage || err.message, [retryButton(), resetLink()]);
      setDone("error");
      return;
    }
    if (token !== seq) { return; }
    const previous = data;
    data = atlas.data = answer;
    state.layer = answer.layer;
    state.period = answer.period || state.period;
    if (answer.kind === "numeric") {
      // The method actually used (a fallback when the layer has no target); the number of
      // classes stays the user's choice (the answer may make fewer).
      state.method = answer.method || state.method;
    }
    if (answer.base) { state.base = answer.base; }
    if (!previous || previous.layer !== answer.layer) { sort = null; classFilter = null; }
    fillControls();
    await draw(token, {fit: opts.fit || !previous || previous.version_id !== answer.version_id});
  }

  /** Draw the current values on the geometry of the current zoom band. */
  async function draw(token, opts) {
    const band = drawn.band === null || opts.fit ? 0 : bandFor(map.getZoom());
    const url = (data.geometry || {})[String(band)];
    const outlineUrl = data.level === "district" ? null : data.outline;
    let fc = null;
    let outline = null;
    try {
      if (!url) { throw Object.assign(new Error(T.noBoundaries), {status: 404}); }
      [fc, outline] = await Promise.all([geometry(url), outlineUrl ? geometry(outlineUrl) : null]);
    } catch (err) {
      if (token !== seq) { return; }
      if (err.status === 404) {
        fc = {type: "FeatureCollection", features: []};
      } else {
        showStatus("danger", err.offline ? T.offline : T.errorGeometry, [retryButton()]);
        setDone("error");
        return;
      }
    }
    if (token !== seq) { return; }
    if (drawn.url !== url) { drawUnits(fc); drawn.url = url; } else { restyle(); }
    if (drawn.outline !== outlineUrl) { drawOutlines(outline); drawn.outline = outlineUrl; }
    if (outlineLayer) { outlineLayer.setStyle(outlineStyle); }
    drawn.band = band;
    fillDistricts(districtItems(outline, fc));
    renderLegend();
    if (opts.fit) { fitToData(); }
    // The fit may call for another zoom band: draw that before saying "ready".
    const wanted = bandFor(map.getZoom());
    if (wanted !== band && fc.features.length && (data.geometry || {})[String(wanted)]) {
      return draw(token, {fit: false});
    }
    buildRows(fc);
    renderTitle();
    syncUrl();
    if (!fc.features.length) {
      showStatus("info", T.noBoundaries);
      setDone("empty");
    } else if (Object.values(data.values || {}).every((v) => v[0] === null)) {
      showStatus("info", fmt(T.noData, {period: data.period_label || monthLabel(data.period)}));
      setDone("ready");
    } else {
      showStatus(null, null);
      setDone("ready");
    }
    if (state.commune && rowByCode.has(state.commune)) {
      select(state.commune, {profile: true, scroll: false});
    } else if (state.commune) {
      closeProfile();
    }
    // The user zoomed while this was loading.
    if (bandFor(map.getZoom()) !== drawn.band) { redrawForZoom(); }
  }

  function redrawForZoom() {
    if (!data || el.map.dataset.state === "loading") { return; }
    const band = bandFor(map.getZoom());
    if (band === drawn.band || !(data.geometry || {})[String(band)]) { return; }
    const token = ++seq;
    newReady();
    setBusy(T.loading);
    drawn.band = band;
    draw(token, {fit: false});
  }
  map.on("zoomend", redrawForZoom);

  // --- controls ------------------------------------------------------------------------------
  /** Fill a select (only when its options changed); items with a `group` go in optgroups. */
  function options(select, items, value) {
    const old = Array.from(select.options).map((o) => o.value + "\u0000" + o.text).join("\u0001");
    const fresh = items.map((i) => i.value + "\u0000" + i.label).join("\u0001");
    if (old !== fresh) {
      const nodes = [];
      let group = null;
      for (const item of items) {
        const option = new Option(item.label, item.value);
        if (item.group === undefined) { nodes.push(option); continue; }
        if (!group || group.label !== item.group) {
          group = document.createElement("optgroup");
          group.label = item.group;
          nodes.push(group);
        }
        group.append(option);
      }
      select.replaceChildren(...nodes);
    }
    select.value = value == null ? "" : String(value);
  }
  // Months newest first, grouped by year: 80-odd months stay easy to scan.
  const monthItems = (periods) => periods.map((p) => ({value: p, label: monthLabel(p), group: p.slice(0, 4)}));

  function fillControls() {
    options(el.layer, (data.layers || []).map((l) => ({value: l.key, label: l.label})), data.layer);
    const periods = (data.periods || []).slice().reverse();
    options(el.period, monthItems(periods), data.period);
    const isChange = data.layer === "hi_change";
    el.baseField.hidden = !isChange;
    if (isChange) {
      const earlier = periods.filter((p) => p < data.period);
      options(el.base, monthItems(earlier), state.base || earlier[0] || "");
      if (!state.base && earlier.length) { state.base = el.base.value; }
    }
    const numeric = data.kind === "numeric";
    el.methodField.hidden = !numeric;
    el.classesField.hidden = !numeric;
    if (numeric) {
      const methods = (data.methods || []).filter((m) => m.key !== "target" || !NO_TARGET.has(data.layer));
      options(el.method, methods.map((m) => ({value: m.key, label: m.label})), data.method);
      el.classes.value = state.classes || String(data.classes || 5);
      if (!el.classes.value) { el.classes.value = "5"; }
      el.classes.disabled = data.method === "target";
    }
    const middle = middleLabel();
    for (const node of [el.levelMiddle, el.districtLabel, el.districtCol]) {
      if (node && middle && node.textContent !== middle) { node.textContent = middle; }
    }
    el.level.value = state.level;
    el.province.hidden = !state.district;
    el.demo.hidden = !data.is_demo;
  }

  /** The districts to choose from: the outlines, else the units drawn (districts or communes). */
  function districtItems(outline, fc) {
    if (outline && outline.features.length) {
      return outline.features.map((f) => ({value: f.properties.code, label: f.properties.name}));
    }
    const seen = new Map();
    for (const f of fc.features) {
      const p = f.properties;
      if (data.level === "district") { seen.set(p.code, p.name); }
      else if (p.district_code && !seen.has(p.district_code)) { seen.set(p.district_code, p.district); }
    }
    return Array.from(seen, ([value, label]) => ({value, label}));
  }

  function fillDistricts(items) {
    items.sort((a, b) => COLLATOR.compare(a.value, b.value));
    el.districtField.hidden = items.length <= 1 && !state.district;
    options(el.district, [{value: "", label: T.province}].concat(items), state.district || "");
    districtNames = new Map(items.map((i) => [i.value, i.label]));
  }
  let districtNames = new Map();

  function renderTitle() {
    const place = state.district ? districtNames.get(state.district) || state.district : null;
    el.title.textContent = data.label + (place ? " · " + place : "");
    const parts = [fmt(T.period, {period: data.period_label || monthLabel(data.period)})];
    if (data.layer === "hi_change" && (data.base || state.base)) {
      parts.push(fmt(T.base, {period: data.base_label || monthLabel(data.base || state.base)}));
    }
    parts.push(fmt(T.units, {n: NUMBER.format(rows.length)}));
    if (data.version_name) { parts.push(data.version_name); }
    el.subtitle.textContent = parts.join(" · ");
    el.valueCol.textContent = data.label;
    el.note.hidden = !data.target_default;
    el.note.textContent = data.target_default ? T.targetDefault : "";
    document.title = data.label + " · " + document.title.split(" · ").slice(-1)[0];
  }

  function renderLegend() {
    el.legend.replaceChildren();
    const title = document.createElement("div");
    title.className = "atlas-legend-title";
    title.textContent = data.label;
    el.legend.append(title);
    const list = document.createElement("ul");
    list.className = "atlas-legend-list";
    for (const entry of data.legend || []) {
      const key = entry.class === null ? "none" : String(entry.class);
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "atlas-legend-item" + (classFilter === key ? " active" : "");
      button.dataset.class = key;
      button.setAttribute("aria-pressed", classFilter === key ? "true" : "false");
      const swatch = document.createElement("span");
      swatch.className = "atlas-swatch";
      swatch.style.background = entry.color;
      const label = document.createElement("span");
      label.className = "atlas-legend-label";
      label.textContent = entry.label;
      const count = document.createElement("span");
      count.className = "atlas-legend-count";
      count.textContent = NUMBER.format(entry.count || 0);
      button.append(swatch, label, count);
      button.addEventListener("click", () => {
        classFilter = classFilter === key ? null : key;
        renderLegend();
        applyFilter();
      });
      li.append(button);
      list.append(li);
    }
    if (outlineLayer && data.level !== "district" && middleLabel()) {
      // The dark lines: districts, or grassroots office areas from July 2025.
      const li = document.createElement("li");
      li.className = "atlas-legend-outline";
      const swatch = document.createElement("span");
      swatch.className = "atlas-swatch atlas-swatch-line";
      const label = document.createElement("span");
      label.className = "atlas-legend-label";
      label.textContent = fmt(T.outline, {unit: middleLabel()});
      li.append(swatch, label);
      list.append(li);
    }
    el.legend.append(list);
  }

  // --- the table -----------------------------------------------------------------------------
  function buildRows(fc) {
    const names = new Map();
    for (const f of fc.features) { names.set(f.properties.code, f.properties); }
    const conferences = data.last_conference || {};
    const districtLevel = data.level === "district";
    rows = Object.keys(data.values || {}).map((code) => {
      const v = data.values[code];
      const p = names.get(code) || {};
      const name = p.name || code;
      const district = districtLevel ? "" : p.district || "";
      const conference = conferences[code] || "";
      return {
        code, name, district, districtCode: districtLevel ? code : p.district_code || "",
        raw: v[0], cls: v[1], text: v[2], color: v[1] === null ? colorFor(null) : colorFor(v[1]),
        conference, conferenceKey: dateKey(conference), search: fold(name + " " + district + " " + code),
      };
    });
    rowByCode = new Map(rows.map((r) => [r.code, r]));
    el.table.classList.toggle("atlas-districts", districtLevel);
    el.nameCol.textContent = districtLevel ? middleLabel() : T.communeCol;
    el.tbody.replaceChildren(...rows.map(rowElement));
    sortRows();
    applyFilter();
  }

  function rowElement(r) {
    const tr = document.createElement("tr");
    tr.dataset.code = r.code;
    tr.dataset.class = r.cls === null ? "none" : String(r.cls);
    if (r.code === selected) { tr.classList.add("table-active"); }
    const nameCell = document.createElement("td");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "atlas-unit";
    button.textContent = r.name;
    nameCell.append(button);
    if (r.district) {
      const sub = document.createElement("div");
      sub.className = "atlas-sub small text-muted";
      sub.textContent = r.district;
      nameCell.append(sub);
    }
    const districtCell = document.createElement("td");
    districtCell.className = "atlas-col-district";
    districtCell.textContent = r.district;
    const valueCell = document.createElement("td");
    valueCell.className = "text-end text-nowrap";
    const swatch = document.createElement("span");
    swatch.className = "atlas-swatch";
    swatch.style.background = r.color;
    const text = document.createElement("span");
    text.className = "atlas-value";
    text.textContent = r.text;
    valueCell.append(swatch, text);
    const conferenceCell = document.createElement("td");
    conferenceCell.className = "text-end text-nowrap atlas-conference";
    conferenceCell.textContent = r.conference || "–";
    tr.append(nameCell, districtCell, valueCell, conferenceCell);
    r.tr = tr;
    return tr;
  }

  function defaultDir(key) {
    if (key === "value") { return HIGH_IS_BAD.has(data.layer) ? "desc" : "asc"; }
    return "asc";
  }

  function sortValue(r) {
    if (data.kind !== "numeric") { return r.cls === null ? null : r.cls; }
    if (r.raw === null && NULL_IS_WORST.has(data.layer)) { return Infinity; }
    return r.raw;
  }

  function sortRows() {
    if (!sort) { sort = {key: "value", dir: defaultDir("value")}; }
    const sign = sort.dir === "asc" ? 1 : -1;
    const byName = (a, b) => COLLATOR.compare(a.name, b.name) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
    let compare;
    if (sort.key === "value") {
      compare = (a, b) => {
        const x = sortValue(a);
        const y = sortValue(b);
        if (x === null || y === null) { return x === y ? byName(a, b) : x === null ? 1 : -1; } // no data last
        return (x < y ? -1 : x > y ? 1 : 0) * sign || byName(a, b);
      };
    } else if (sort.key === "conference") {
      compare = (a, b) => (a.conferenceKey < b.conferenceKey ? -1 : a.conferenceKey > b.conferenceKey ? 1 : 0) * sign || byName(a, b);
    } else if (sort.key === "district") {
      compare = (a, b) => COLLATOR.compare(a.district, b.district) * sign || byName(a, b);
    } else {
      compare = (a, b) => byName(a, b) * sign;
    }
    rows.sort(compare);
    el.tbody.append(...rows.map((r) => r.tr));
    el.table.closest(".atlas-table-scroll").scrollTop = 0;
    for (const th of el.table.querySelectorAll("th[data-sort]")) {
      th.setAttribute("aria-sort", th.dataset.sort === sort.key ? (sort.dir === "asc" ? "ascending" : "descending") : "none");
    }
  }

  function applyFilter() {
    const needle = fold(el.filter.value.trim());
    let shown = 0;
    for (const r of rows) {
      const match = (!needle || r.search.includes(needle))
        && (classFilter === null || (r.cls === null ? "none" : String(r.cls)) === classFilter);
      r.tr.hidden = !match;
      if (match) { shown += 1; }
    }
    el.count.textContent = shown === 0 && rows.length ? T.noRows
      : fmt(T.rowsCount, {shown: NUMBER.format(shown), total: NUMBER.format(rows.length)});
    if (classFilter !== null) {
      const entry = data.legend.find((e) => (e.class === null ? "none" : String(e.class)) === classFilter);
      if (entry) { el.count.textContent += " · " + fmt(T.classFilter, {label: entry.label}); }
    }
  }

  el.table.querySelector("thead").addEventListener("click", (event) => {
    const th = event.target.closest("th[data-sort]");
    if (!th || !data) { return; }
    const key = th.dataset.sort;
    sort = sort && sort.key === key ? {key, dir: sort.dir === "asc" ? "desc" : "asc"} : {key, dir: defaultDir(key)};
    sortRows();
  });
  el.tbody.addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-code]");
    if (!tr) { return; }
    const code = tr.dataset.code;
    if (data.level === "district") { drill(code); return; }
    select(code, {profile: true, zoom: true, scroll: narrow()});
  });
  el.filter.addEventListener("input", applyFilter);

  // --- selection, profile, drill-down --------------------------------------------------------
  function select(code, opts) {
    const previous = selected;
    selected = code;
    for (const c of [previous, code]) {
      const layer = c && unitLayers.get(c);
      if (layer) { layer.setStyle(styleFor(c)); mark(c, layer); }
      const r = c && rowByCode.get(c);
      if (r) { r.tr.classList.toggle("table-active", c === selected); }
    }
    const layer = unitLayers.get(code);
    if (layer) {
      layer.bringToFront();
      if (opts.zoom) {
        const bounds = layer.getBounds();
        if (!map.getBounds().contains(bounds)) {
          map.fitBounds(bounds, {padding: [24, 24], maxZoom: Math.max(map.getZoom(), 10)});
        }
      }
    }
    const r = rowByCode.get(code);
    if (r && opts.fromMap && !narrow() && !r.tr.hidden) { scrollRowIntoView(r.tr); }
    if (opts.profile) { openProfile(code, opts.scroll); }
  }

  /** Bring a row into the table's own scroll box without moving the page. */
  function scrollRowIntoView(tr) {
    const box = tr.closest(".atlas-table-scroll");
    const head = el.table.tHead.offsetHeight;
    const top = tr.offsetTop;
    if (top - head < box.scrollTop || top + tr.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = Math.max(0, top - head - box.clientHeight / 3);
    }
  }

  async function openProfile(code, scroll) {
    const r = rowByCode.get(code);
    if (!r || data.level === "district") { return; }
    state.commune = code;
    syncUrl();
    el.profile.hidden = false;
    el.profileTitle.textContent = T.communeProfile;
    const inDistrict = state.district && state.district === r.districtCode;
    el.profileDistrict.hidden = !r.districtCode || inDistrict;
    el.profileDistrict.textContent = fmt(T.districtView, {name: r.district});
    el.profileDistrict.dataset.district = r.districtCode;
    el.profile.dataset.code = code;
    el.profile.dataset.state = "loading";
    el.profileBody.replaceChildren(Object.assign(document.createElement("p"),
      {className: "text-muted small mb-0", textContent: T.loadingProfile}));
    if (scroll) { el.profile.scrollIntoView({block: "start", behavior: "smooth"}); }
    const key = code + "@" + (data.period || "");
    try {
      if (!profileCache.has(key)) {
        profileCache.set(key, fetchText(urls.profile + encodeURIComponent(code) + "?period=" + encodeURIComponent(data.period || ""))
          .catch((err) => { profileCache.delete(key); throw err; }));
      }
      const html = await profileCache.get(key);
      if (state.commune !== code) { return; }
      el.profileBody.innerHTML = html;  // the app's own fragment, escaped by Jinja
      el.profile.dataset.state = "ready";
    } catch (err) {
      if (state.commune !== code) { return; }
      el.profileBody.replaceChildren(Object.assign(document.createElement("div"),
        {className: "alert alert-danger py-2 mb-0", textContent: err.offline ? T.offline : T.errorProfile}));
      el.profile.dataset.state = "error";
    }
  }

  async function fetchText(url) {
    let response;
    try {
      response = await fetch(url, {credentials: "same-origin", headers: {Accept: "text/html"}});
    } catch (err) {
      throw Object.assign(new Error(T.offline), {offline: true});
    }
    if (!response.ok) { throw Object.assign(new Error(T.errorProfile), {status: response.status}); }
    return response.text();
  }

  function closeProfile() {
    el.profile.hidden = true;
    delete state.commune;
    const previous = selected;
    selected = null;
    const layer = previous && unitLayers.get(previous);
    if (layer) { layer.setStyle(styleFor(previous)); mark(previous, layer); }
    const r = previous && rowByCode.get(previous);
    if (r) { r.tr.classList.remove("table-active"); }
    syncUrl();
  }

  function drill(districtCode) {
    if (!districtCode) { return; }
    state.district = districtCode;
    state.level = "commune";
    load({fit: true});
  }

  function onUnitClick(feature) {
    const p = feature.properties;
    if (!data) { return; }
    if (data.level === "district") { drill(p.code); return; }
    if (valueOf(p.code) === undefined) { return; }  // context outside the district shown
    select(p.code, {profile: true, fromMap: true, scroll: narrow()});
  }

  function onUnitDoubleClick(feature) {
    const p = feature.properties;
    if (!data || data.level === "district") { return; }
    if (p.district_code && p.district_code !== state.district) { drill(p.district_code); }
  }

  el.profileClose.addEventListener("click", closeProfile);
  el.profileDistrict.addEventListener("click", () => drill(el.profileDistrict.dataset.district));
  el.province.addEventListener("click", () => { delete state.district; load({fit: true}); });
  el.layer.addEventListener("change", () => {
    state.layer = el.layer.value;
    delete state.method;  // each layer has its own default method
    load();
  });
  el.period.addEventListener("change", () => { state.period = el.period.value; load(); });
  el.base.addEventListener("change", () => { state.base = el.base.value; load(); });
  el.method.addEventListener("change", () => { state.method = el.method.value; load(); });
  el.classes.addEventListener("change", () => { state.classes = el.classes.value; load(); });
  el.level.addEventListener("change", () => {
    state.level = el.level.value;
    if (state.level === "district") { delete state.district; closeProfile(); }
    load({fit: true});
  });
  el.district.addEventListener("change", () => {
    if (el.district.value) { state.district = el.district.value; } else { delete state.district; }
    if (state.district) { state.level = "commune"; }
    load({fit: true});
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !el.profile.hidden) { closeProfile(); }
  });

  load({fit: true});
})();
