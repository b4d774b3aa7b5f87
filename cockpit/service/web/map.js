// The offline map: the drive's route, the places near the car, the car and the destination, drawn as
// SVG from the daemon's own data (GET /map, GeoJSON) — no tiles, no CDN: the car may be offline.
//
// Positions are projected on a local plane (metres east/north of the first point seen, like
// cockpit/vehicle/geo.py's route projection) and drawn at `scale` pixels per metre around a centre.
// The car arrives in `vehicle` messages; the part of the route behind it is shaded (the car is
// projected on the route, the nearest leg winning, ties going to the one nearest the last known
// progress). Places an answer named (`places` events) are ringed and labelled with their opening
// state; a side question ("on my right") also draws the sector it looked in.
// Mouse: drag to pan, wheel to zoom at the pointer. Keys on the focused map: arrows pan, + and −
// zoom, F follows the car, 0 recentres.

const NS = "http://www.w3.org/2000/svg";
const EARTH_R = 6371008.8;
const RAD = Math.PI / 180;
const SCALE = { min: 0.005, max: 6, start: 0.45 }; // pixels per metre
const FETCH_RADIUS_M = 5000; // the skills' search radius: every answer's places are already drawn
const REFETCH_MOVED_M = 1500;
const REFETCH_EVERY_MS = 60_000; // opening states change with the clock
const OFF_ROUTE_M = 150;
const TRAIL = 600; // without a route: the last positions seen
const LAT = "Vehicle.CurrentLocation.Latitude";
const LON = "Vehicle.CurrentLocation.Longitude";
const HEADING = "Vehicle.CurrentLocation.Heading";
const SPEED = "Vehicle.Speed";
const DEST = ["Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude",
  "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude"];

function el(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Where (x, y) falls on the polyline `pts` (metres): {along, dist} for the best leg, or null. */
export function onRoute(pts, along, x, y, hint) {
  const cands = [];
  for (let i = 0; i + 1 < pts.length; i++) {
    const [ax, ay] = pts[i], [bx, by] = pts[i + 1];
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
    const px = ax + t * dx, py = ay + t * dy;
    cands.push({ along: along[i] + t * (along[i + 1] - along[i]), dist: Math.hypot(x - px, y - py) });
  }
  if (!cands.length) return null;
  const best = Math.min(...cands.map((c) => c.dist));
  const near = cands.filter((c) => c.dist <= best + 15); // a route that passes twice: keep to the progress made
  near.sort((a, b) => (hint == null ? a.dist - b.dist : Math.abs(a.along - hint) - Math.abs(b.along - hint)));
  return near[0];
}

export function offlineMap(box, { fetchMap, onFollow = () => {} }) {
  const svg = box.querySelector("svg");
  const status = document.getElementById("map-status");
  const scaleBar = document.getElementById("map-scale");
  let origin = null; // {lat, lon, kx, ky}: the projection's reference
  let route = null; // {pts, along, length}
  let driven = null; // metres along the route behind the car
  const trail = [];
  let pois = new Map(); // id -> {x, y, p}
  let dest = null; // {x, y, name, source}
  let car = null; // {x, y, lat, lon, heading, speed}
  let answer = null; // {tool, places: [{x, y, ...PlaceMark}], sector}
  const view = { cx: 0, cy: 0, scale: SCALE.start, follow: true };
  let fetchedAt = null, lastFetch = 0, loading = null, frame = 0, meta = {};
  const signals = {};

  function project(lat, lon) {
    if (!origin) {
      const k = EARTH_R * RAD;
      origin = { lat, lon, kx: k * Math.cos(lat * RAD), ky: k };
      view.cx = 0;
      view.cy = 0;
    }
    return [(lon - origin.lon) * origin.kx, -(lat - origin.lat) * origin.ky];
  }

  const overlay = document.getElementById("overlay");
  // the part of the map not under a card: the view's centre (the car, when following) is its middle
  const size = () => {
    const w = box.clientWidth || 600, h = box.clientHeight || 400;
    const covered = overlay && overlay.offsetHeight > 16 ? Math.min(overlay.offsetHeight + 40, h * 0.6) : 0;
    return { w, h: h - covered };
  };
  const sx = (x) => (x - view.cx) * view.scale + size().w / 2;
  const sy = (y) => (y - view.cy) * view.scale + size().h / 2;

  // ------------------------------------------------------------------ data in

  async function load() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const data = await fetchMap(FETCH_RADIUS_M);
        take(data);
      } catch (err) {
        status.textContent = `the offline map could not be loaded: ${err.message || err}`;
      } finally {
        loading = null;
        lastFetch = Date.now();
      }
    })();
    return loading;
  }

  function take(data) {
    const next = new Map();
    route = null;
    dest = null;
    meta = data.properties || {};
    for (const f of data.features || []) {
      const p = f.properties || {};
      const g = f.geometry || {};
      if (p.role === "route" && g.type === "LineString") {
        const pts = g.coordinates.map(([lon, lat]) => project(lat, lon));
        route = { pts, along: p.along_m, length: p.length_m };
        if (driven === null || Math.abs(driven - p.driven_m) > 50) driven = p.driven_m;
      } else if (g.type === "Point") {
        const [lon, lat] = g.coordinates;
        const [x, y] = project(lat, lon);
        if (p.role === "poi") next.set(p.id, { x, y, p });
        else if (p.role === "destination") dest = { x, y, name: p.name, source: p.source };
        else if (p.role === "car") setCar(lat, lon, p.heading, p.speed_kmh);
      }
    }
    pois = next;
    if (meta.center) fetchedAt = project(meta.center[1], meta.center[0]);
    if (!car && route) { // no position yet: look at the start of the route
      [view.cx, view.cy] = route.pts[0];
    }
    describe();
    draw();
  }

  /** Put the car at (lat, lon); false when it is where it was (a feed repeats itself: nothing to redraw). */
  function setCar(lat, lon, heading, speed) {
    const [x, y] = project(lat, lon);
    const turned = num(heading) ?? car?.heading ?? 0;
    if (car && Math.hypot(car.x - x, car.y - y) < 0.05 && car.heading === turned) return false;
    car = { x, y, lat, lon, heading: turned, speed: num(speed) };
    if (route) {
      const at = onRoute(route.pts, route.along, x, y, driven);
      if (at && at.dist <= OFF_ROUTE_M) driven = at.along;
    } else {
      const last = trail[trail.length - 1];
      if (!last || Math.hypot(last[0] - x, last[1] - y) > 3) trail.push([x, y]);
      if (trail.length > TRAIL) trail.shift();
    }
    if (view.follow) [view.cx, view.cy] = [x, y];
    return true;
  }

  /** A `vehicle` message (snapshot or changes): moves the car, notices a new destination. */
  function vehicle(changes) {
    const dest = DEST.some((k) => k in changes && changes[k] !== signals[k]);
    Object.assign(signals, changes);
    let moved = false;
    if (LAT in changes || LON in changes || HEADING in changes) {
      const lat = num(signals[LAT]), lon = num(signals[LON]);
      if (lat !== null && lon !== null) moved = setCar(lat, lon, signals[HEADING], signals[SPEED]);
    }
    if (dest) load();
    const far = car && fetchedAt ? Math.hypot(car.x - fetchedAt[0], car.y - fetchedAt[1]) : 0;
    const due = far > REFETCH_MOVED_M || (car && !fetchedAt) || Date.now() - lastFetch > REFETCH_EVERY_MS;
    if (due && Date.now() - lastFetch > 2000) load(); // at most one refresh every 2 s from the car's moves
    if (moved) schedule();
  }

  /** A `places` event: ring and label the places an answer named; show the sector it looked in. */
  function places(msg) {
    const marks = (msg.places || []).map((p) => {
      const [x, y] = project(p.lat, p.lon);
      return { ...p, x, y };
    });
    let sector = null;
    if (msg.sector) {
      const [x, y] = project(msg.sector.lat, msg.sector.lon);
      sector = { ...msg.sector, x, y };
    }
    answer = { tool: msg.tool, places: marks, sector };
    const chip = document.getElementById("map-answer");
    const names = marks.map((m) => `${m.name}${m.hours ? ` (${m.hours})` : ""}`).join(", ");
    document.getElementById("map-answer-text").textContent =
      names ? `answer: ${names}` : `nothing on the map ${sector ? `on the ${sector.side}` : "here"}`;
    chip.hidden = false;
    reveal();
    draw();
  }

  function clearPlaces() {
    answer = null;
    document.getElementById("map-answer").hidden = true;
    draw();
  }

  /** Zoom out (keeping the centre) until the answer's places and sector are in view. */
  function reveal() {
    const { w, h } = size();
    const pts = answer.places.map((p) => [p.x, p.y]);
    if (answer.sector) pts.push([answer.sector.x, answer.sector.y]);
    let scale = view.scale;
    for (const [x, y] of pts) {
      const r = answer.sector && x === answer.sector.x ? answer.sector.radius_m : 40;
      const dx = Math.abs(x - view.cx) + r, dy = Math.abs(y - view.cy) + r;
      scale = Math.min(scale, (w / 2 - 30) / Math.max(dx, 1), (h / 2 - 60) / Math.max(dy, 1));
    }
    view.scale = Math.max(SCALE.min, scale);
  }

  // ------------------------------------------------------------------ drawing

  function describe() {
    const n = pois.size;
    const km = (meta.radius_m || FETCH_RADIUS_M) / 1000;
    const where = meta.position_known === false ? "position unknown (no fresh fix)" : `${n} places · ${km} km`;
    status.textContent = `${where}${meta.local_time ? ` · ${meta.local_time.slice(11, 16)} local` : ""}`;
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
  }

  function pathOf(pts) {
    return pts.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
  }

  function drivenPoints() {
    if (!route || driven === null) return [];
    const out = [route.pts[0]];
    for (let i = 1; i < route.pts.length; i++) {
      if (route.along[i] <= driven) { out.push(route.pts[i]); continue; }
      const [ax, ay] = route.pts[i - 1], [bx, by] = route.pts[i];
      const seg = route.along[i] - route.along[i - 1];
      const t = seg > 0 ? (driven - route.along[i - 1]) / seg : 0;
      out.push([ax + t * (bx - ax), ay + t * (by - ay)]);
      break;
    }
    return out;
  }

  function sectorPath(s) {
    const cx = sx(s.x), cy = sy(s.y), r = s.radius_m * view.scale;
    if (s.to_deg - s.from_deg >= 359.9) return { circle: true, cx, cy, r };
    const at = (deg) => [cx + r * Math.sin(deg * RAD), cy - r * Math.cos(deg * RAD)];
    const [x1, y1] = at(s.from_deg), [x2, y2] = at(s.to_deg);
    const large = s.to_deg - s.from_deg > 180 ? 1 : 0;
    return { d: `M${cx},${cy}L${x1},${y1}A${r},${r} 0 ${large} 1 ${x2},${y2}Z` };
  }

  function poiMark(id, x, y, p, answered) {
    const state = p.open === true ? "open" : p.open === false ? "closed" : "unknown";
    const at = `translate(${sx(x).toFixed(1)},${sy(y).toFixed(1)})`;
    const g = el("g", { class: `poi ${state}${answered ? " answered" : ""}`, transform: at,
      "data-testid": answered ? "map-answer" : "map-poi", "data-poi-id": id, "data-name": p.name, "data-open": String(p.open) });
    g.append(el("title", {}, `${p.name} — ${p.kind || p.category || "place"}${p.hours ? `, ${p.hours}` : ""}`));
    if (answered) g.append(el("circle", { r: 13, class: "ring" }));
    g.append(el("circle", { r: answered ? 8 : 5.5, class: "dot" }));
    if (answered || view.scale >= 0.7) {
      const label = answered ? `${p.name}${p.hours ? ` · ${p.hours}` : ""}` : p.name;
      const gap = answered ? 16 : 9, wide = label.length * (answered ? 8.2 : 6.6); // about, in pixels
      const fits = sx(x) + gap + wide <= size().w - 56; // clear of the zoom buttons on the right
      const side = fits ? "start" : sx(x) - gap - wide > 0 ? "end" : "middle"; // right, left, or under it
      const t = el("text", { x: { start: gap, end: -gap, middle: 0 }[side], y: side === "middle" ? gap + 14 : 4,
        "text-anchor": side,
        class: answered ? "maplabel strong" : "maplabel", "data-testid": answered ? "map-answer-label" : undefined }, label);
      g.append(t);
    }
    return g;
  }

  function draw() {
    const w = box.clientWidth || 600, h = box.clientHeight || 400;
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.dataset.scale = view.scale.toFixed(4);
    const layers = [];
    if (answer?.sector) {
      const s = sectorPath(answer.sector);
      const attrs = { class: "sector", "data-testid": "map-sector", "data-side": answer.sector.side,
        "data-from": answer.sector.from_deg, "data-to": answer.sector.to_deg };
      layers.push(s.circle ? el("circle", { ...attrs, cx: s.cx, cy: s.cy, r: s.r }) : el("path", { ...attrs, d: s.d }));
    }
    if (route) {
      layers.push(el("path", { d: pathOf(route.pts), class: "route", "data-testid": "map-route",
        "data-length-m": route.length, "data-points": route.pts.length }));
      const done = drivenPoints();
      if (done.length > 1) {
        layers.push(el("path", { d: pathOf(done), class: "driven", "data-testid": "map-driven",
          "data-driven-m": driven.toFixed(1) }));
      }
    } else if (trail.length > 1) {
      layers.push(el("path", { d: pathOf(trail), class: "driven", "data-testid": "map-trail" }));
    }
    const answeredIds = new Set((answer?.places || []).map((p) => p.id));
    for (const [id, { x, y, p }] of pois) if (!answeredIds.has(id)) layers.push(poiMark(id, x, y, p, false));
    if (dest) {
      const g = el("g", { class: "dest", "data-testid": "map-destination", "data-name": dest.name,
        transform: `translate(${sx(dest.x).toFixed(1)},${sy(dest.y).toFixed(1)})` });
      g.append(el("title", {}, `destination: ${dest.name}`), el("path", { d: "M0,0V-24", class: "pole" }),
        el("path", { d: "M0,-24L16,-19L0,-13Z", class: "flag" }), el("text", { x: 4, y: 14, class: "maplabel" }, dest.name));
      layers.push(g);
    }
    for (const m of answer?.places || []) layers.push(poiMark(m.id, m.x, m.y, m, true));
    if (car) {
      const at = `translate(${sx(car.x).toFixed(1)},${sy(car.y).toFixed(1)}) rotate(${car.heading})`;
      const g = el("g", { class: "car", transform: at, "data-testid": "map-car", "data-lat": car.lat.toFixed(6),
        "data-lon": car.lon.toFixed(6), "data-heading": car.heading.toFixed(1) });
      g.append(el("title", {}, `the car: heading ${Math.round(car.heading)}°`),
        el("circle", { r: 15, class: "halo" }), el("path", { d: "M0,-13L9,10L0,5L-9,10Z", class: "arrow" }));
      layers.push(g);
    }
    svg.replaceChildren(...layers);
    drawScale();
  }

  function drawScale() {
    const steps = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
    const m = steps.find((s) => s * view.scale >= 70) ?? steps[steps.length - 1];
    scaleBar.querySelector("i").style.width = `${(m * view.scale).toFixed(0)}px`;
    scaleBar.querySelector("span").textContent = m >= 1000 ? `${m / 1000} km` : `${m} m`;
  }

  // ------------------------------------------------------------------ interaction

  function setFollow(on) {
    view.follow = on;
    if (on && car) [view.cx, view.cy] = [car.x, car.y];
    onFollow(on);
    draw();
  }

  function zoom(factor, px = size().w / 2, py = size().h / 2) {
    const { w, h } = size();
    const wx = view.cx + (px - w / 2) / view.scale, wy = view.cy + (py - h / 2) / view.scale; // stays under the pointer
    view.scale = Math.min(SCALE.max, Math.max(SCALE.min, view.scale * factor));
    if (!view.follow) {
      view.cx = wx - (px - w / 2) / view.scale;
      view.cy = wy - (py - h / 2) / view.scale;
    }
    draw();
  }

  function pan(dx, dy) {
    if (view.follow) setFollow(false);
    view.cx -= dx / view.scale;
    view.cy -= dy / view.scale;
    draw();
  }

  let drag = null;
  svg.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, moved: false };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 3) return;
    drag.moved = true;
    drag.x = e.clientX;
    drag.y = e.clientY;
    pan(dx, dy);
  });
  const endDrag = () => { drag = null; };
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  svg.addEventListener("dblclick", (e) => {
    const r = svg.getBoundingClientRect();
    zoom(2, e.clientX - r.left, e.clientY - r.top);
  });
  box.addEventListener("keydown", (e) => {
    if (e.target !== box) return; // the buttons and cards inside keep their own keys
    const keys = {
      ArrowLeft: () => pan(80, 0), ArrowRight: () => pan(-80, 0), ArrowUp: () => pan(0, 80), ArrowDown: () => pan(0, -80),
      "+": () => zoom(1.5), "=": () => zoom(1.5), "-": () => zoom(1 / 1.5), f: () => setFollow(!view.follow),
      F: () => setFollow(!view.follow), 0: () => setFollow(true),
    };
    if (keys[e.key]) {
      e.preventDefault();
      keys[e.key]();
    }
  });
  const refit = () => { // the visible part changed (a card opened or closed): keep the answer in view
    if (answer) reveal();
    schedule();
  };
  const resized = new ResizeObserver(refit);
  resized.observe(box);
  if (overlay) {
    resized.observe(overlay);
    for (const slot of overlay.children) new MutationObserver(refit).observe(slot, { childList: true });
  }
  setInterval(() => { if (Date.now() - lastFetch > REFETCH_EVERY_MS) load(); }, 5000);

  return {
    load, vehicle, places, clearPlaces, zoom, setFollow,
    get follow() { return view.follow; },
  };
}
