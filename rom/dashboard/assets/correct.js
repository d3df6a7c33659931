// rom landmark correction (see rom/dashboard/correct.py): the key frame with the measured
// chain's points. Drag a point to its true place, or pick one and click where it belongs;
// the new place is sent in the video's own pixels (x right, y down). Python keeps the
// points and sends them back to draw, so this script holds no state between reruns.
const NS = "http://www.w3.org/2000/svg";

function el(name, attrs) {
  const node = document.createElementNS(NS, name);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
  return node;
}

function radius(data) {
  return Math.max(data.region[2], data.region[3]) / 90;  // marks scale with the frame
}

function draw(svg, data, dragged) {
  svg.querySelectorAll(".mark").forEach((n) => n.remove());
  const r = radius(data);
  const at = {};
  data.points.forEach((p) => { at[p.name] = dragged && dragged.name === p.name ? dragged : p; });
  data.segments.forEach((names) => {
    const pts = names.filter((n) => at[n]).map((n) => `${at[n].x},${at[n].y}`);
    if (pts.length > 1) {
      svg.appendChild(el("polyline", {
        class: "mark", points: pts.join(" "), fill: "none", stroke: "#F0E442",
        "stroke-width": r / 2, "pointer-events": "none",
      }));
    }
  });
  data.points.forEach((p) => {
    const q = at[p.name];
    const chosen = p.name === data.selected;
    svg.appendChild(el("circle", {
      class: "mark", cx: q.x, cy: q.y, r: chosen ? r * 1.5 : r,
      fill: p.moved ? "#D55E00" : "#0072B2", stroke: chosen ? "#F0E442" : "#FFFFFF",
      "stroke-width": r / 2.5, "data-name": p.name, "data-testid": `rom-correct-point-${p.name}`,
      style: "cursor: grab",
    }));
  });
}

export default function (component) {
  const { parentElement, data, setTriggerValue } = component;
  let svg = parentElement.querySelector("svg.rom-correct");
  if (!svg || svg.dataset.frame !== data.frame_id) {
    parentElement.innerHTML = "";
    const [x0, y0, w, h] = data.region;
    svg = el("svg", {
      class: "rom-correct", viewBox: `${x0} ${y0} ${w} ${h}`, role: "img",
      "data-testid": "rom-correct-frame", "aria-label": data.label,
    });
    svg.dataset.frame = data.frame_id;
    Object.assign(svg.style, { width: "100%", maxWidth: `${data.max_width}px`, display: "block",
                               cursor: "crosshair", touchAction: "none" });
    svg.appendChild(el("image", { href: data.src, x: x0, y: y0, width: w, height: h }));
    const toFrame = (e) => {
      const box = svg.getBoundingClientRect();
      return { x: x0 + ((e.clientX - box.left) / box.width) * w,
               y: y0 + ((e.clientY - box.top) / box.height) * h };
    };
    let dragging = null;
    let sent = 0;
    const send = (name, p) => {
      sent += 1;
      setTriggerValue("move", { name, x: p.x, y: p.y, n: sent });
    };
    svg.addEventListener("pointerdown", (e) => {
      const name = e.target.getAttribute && e.target.getAttribute("data-name");
      if (name) {
        dragging = { name, ...toFrame(e), moved: false };
        svg.setPointerCapture(e.pointerId);
        e.preventDefault();
      }
    });
    svg.addEventListener("pointermove", (e) => {
      if (!dragging) return;
      Object.assign(dragging, toFrame(e), { moved: true });
      draw(svg, svg.latest, dragging);
    });
    svg.addEventListener("pointerup", (e) => {
      const latest = svg.latest;
      if (dragging) {
        const done = dragging;
        dragging = null;
        if (done.moved) send(done.name, toFrame(e));
        else if (done.name !== latest.selected) setTriggerValue("pick", { name: done.name });
        return;
      }
      if (latest.selected) send(latest.selected, toFrame(e));  // a click places the chosen
    });
    parentElement.appendChild(svg);
  }
  svg.latest = data;
  draw(svg, data, null);
}
