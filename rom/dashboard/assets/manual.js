// rom manual goniometer (see rom/dashboard/manual.py): the photo (or a video frame's region
// [x0, y0, w, h] of the frame, data.region) with the points marked so far; a click sends its
// position in the image's own pixels (x right, y down) to Python, which keeps the points and
// sends them back to draw.
const NS = "http://www.w3.org/2000/svg";

function el(name, attrs) {
  const node = document.createElementNS(NS, name);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
  return node;
}

function draw(svg, data) {
  svg.querySelectorAll(".mark").forEach((n) => n.remove());
  const pts = data.points;
  const [, , w, h] = region(data);
  const r = Math.max(w, h) / 160;  // marks scale with the image shown
  if (pts.length > 1) {
    svg.appendChild(el("polyline", {
      class: "mark", points: pts.map((p) => p.join(",")).join(" "), fill: "none",
      stroke: "#F0E442", "stroke-width": r / 2,
    }));
  }
  pts.forEach((p, i) => {
    const vertex = i === data.vertex;
    svg.appendChild(el("circle", {
      class: "mark", cx: p[0], cy: p[1], r: vertex ? r * 1.6 : r,
      fill: vertex ? "#D55E00" : "#0072B2", stroke: "#FFFFFF", "stroke-width": r / 3,
      "data-testid": `${data.point_testid || "rom-manual-point"}-${i}`,
    }));
  });
}

function region(data) {
  return data.region || [0, 0, data.width, data.height];
}

export default function (component) {
  const { parentElement, data, setTriggerValue } = component;
  let svg = parentElement.querySelector("svg.rom-manual");
  if (!svg || svg.dataset.photo !== data.photo_id) {
    parentElement.innerHTML = "";
    const [x0, y0, w, h] = region(data);
    svg = el("svg", {
      class: "rom-manual", viewBox: `${x0} ${y0} ${w} ${h}`,
      "data-testid": data.testid || "rom-manual-photo", role: "img", "aria-label": data.label,
    });
    svg.dataset.photo = data.photo_id;
    svg.style.width = "100%";
    svg.style.maxWidth = `${data.max_width || data.width}px`;
    svg.style.cursor = "crosshair";
    svg.style.display = "block";
    svg.appendChild(el("image", { href: data.src, x: x0, y: y0, width: w, height: h }));
    let clicks = 0;
    svg.addEventListener("click", (e) => {
      const box = svg.getBoundingClientRect();
      const x = x0 + ((e.clientX - box.left) / box.width) * w;
      const y = y0 + ((e.clientY - box.top) / box.height) * h;
      clicks += 1;
      setTriggerValue("click", { x, y, n: clicks });
    });
    parentElement.appendChild(svg);
  }
  draw(svg, data);
}
