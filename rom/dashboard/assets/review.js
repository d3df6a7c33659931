// rom side-by-side review: two videos on one shared timeline (see rom/dashboard/review.py).
// Shared time t = 0 is each video's anchor; video i shows anchor_i + t of its own clock.
const SPEEDS = [0.25, 0.5, 0.75, 1];
const COLOURS = ["#0072B2", "#D55E00"];  // pre, post (Okabe-Ito)

function clamp(x, lo, hi) { return Math.min(Math.max(x, lo), hi); }
function frameIndex(time, fps, frames) {
  return clamp(Math.floor(time * fps + 1e-6), 0, Math.max(frames - 1, 0));
}

function build(root, data) {
  const vids = data.videos;
  const w = data.words;  // the widget's words in the page's language (review.WIDGET_WORDS)
  const start = data.start, end = data.end;  // review.timeline
  root.innerHTML = "";
  const box = document.createElement("div");
  box.className = "rom-review";
  const style = document.createElement("style");
  style.textContent = data.css;
  root.appendChild(style);
  box.innerHTML = `
    <div class="videos">
      <figure><video muted playsinline preload="auto" data-testid="rom-review-pre"></video>
        <figcaption data-testid="rom-review-frame-pre"></figcaption></figure>
      <figure><video muted playsinline preload="auto" data-testid="rom-review-post"></video>
        <figcaption data-testid="rom-review-frame-post"></figcaption></figure>
    </div>
    <div class="controls">
      <button data-step="-0.1">−0.1 s</button>
      <button data-frames="-1"></button>
      <button class="play"></button>
      <button data-frames="1"></button>
      <button data-step="0.1">+0.1 s</button>
      <input type="range" class="scrub" step="any">
      <select class="speed"></select>
      <span class="clock" data-testid="rom-review-clock"></span>
    </div>
    <svg class="chart" viewBox="0 0 1000 160" preserveAspectRatio="none"
         data-testid="rom-review-chart"></svg>`;
  root.appendChild(box);
  const videos = [...box.querySelectorAll("video")];
  const captions = [...box.querySelectorAll("figcaption")];
  const scrub = box.querySelector(".scrub");
  const play = box.querySelector(".play");
  const speed = box.querySelector(".speed");
  const clock = box.querySelector(".clock");
  const chart = box.querySelector(".chart");
  // Words as text, never as HTML (a translation is not markup).
  const [back, backFrame, , forwardFrame, forward] = box.querySelectorAll(".controls button");
  back.title = w.back_step; forward.title = w.forward_step; play.title = w.play_both;
  backFrame.title = w.back_frame; backFrame.textContent = `−1 ${w.frame}`;
  forwardFrame.title = w.forward_frame; forwardFrame.textContent = `+1 ${w.frame}`;
  play.textContent = w.play;
  scrub.setAttribute("aria-label", w.position); speed.setAttribute("aria-label", w.speed);
  SPEEDS.forEach((s) => {
    const o = document.createElement("option");
    o.value = String(s); o.textContent = `${s}×`; o.selected = s === 1;
    speed.appendChild(o);
  });
  scrub.min = String(start); scrub.max = String(end);
  videos.forEach((v, i) => { v.src = vids[i].src; });
  let t = start < 0 ? 0 : start;  // shared time
  let playing = false;

  // The chart: both value curves on the shared timeline and a cursor at t.
  const x = (s) => ((s - start) / Math.max(end - start, 1e-9)) * 1000;
  const all = vids.flatMap((v) => v.values.filter((y) => y !== null));
  const lo = Math.min(...all), hi = Math.max(...all);
  const y = (value) => 150 - ((value - lo) / Math.max(hi - lo, 1e-9)) * 140;
  const ns = "http://www.w3.org/2000/svg";
  vids.forEach((v, i) => {
    const pts = v.times.map((tt, k) => (v.values[k] === null ? null
      : `${x(tt - v.anchor).toFixed(1)},${y(v.values[k]).toFixed(1)}`)).filter((p) => p);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", pts.join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", COLOURS[i]);
    line.setAttribute("stroke-width", "2");
    chart.appendChild(line);
  });
  const cursor = document.createElementNS(ns, "line");
  cursor.setAttribute("y1", "0"); cursor.setAttribute("y2", "160");
  cursor.setAttribute("stroke", "#000"); cursor.setAttribute("stroke-width", "2");
  chart.appendChild(cursor);

  function show() {
    scrub.value = String(t);
    cursor.setAttribute("x1", x(t)); cursor.setAttribute("x2", x(t));
    clock.textContent = `${t >= 0 ? "+" : "−"}${Math.abs(t).toFixed(2)} s`;
    videos.forEach((v, i) => {
      // The frame the video element really is at, not the one asked for.
      const frame = frameIndex(v.currentTime, vids[i].fps, vids[i].frames);
      captions[i].textContent = `${vids[i].label} · ${w.frame} ${frame}`;
    });
  }
  function seek(shared) {
    t = clamp(shared, start, end);
    videos.forEach((v, i) => {
      // The middle of the frame, so that the browser shows exactly that frame.
      const own = clamp(vids[i].anchor + t, 0, vids[i].duration - 1 / vids[i].fps);
      const frame = frameIndex(own, vids[i].fps, vids[i].frames);
      v.currentTime = (frame + 0.5) / vids[i].fps;
    });
    show();
  }
  function pause() {
    const was = playing;
    playing = false; play.textContent = w.play;
    videos.forEach((v) => v.pause());
    if (was) seek(t);  // both onto the same shared frame again
  }
  function tick() {
    if (!playing) return;
    // The pre video is the clock while it has frames; the other follows within a frame.
    const lead = vids[0].anchor + t <= vids[0].duration ? 0 : 1;
    t = videos[lead].currentTime - vids[lead].anchor;
    videos.forEach((v, i) => {
      const want = vids[i].anchor + t;
      if (want < 0 || want > vids[i].duration) { v.pause(); return; }
      if (v.paused && playing) v.play().catch(() => {});
      if (Math.abs(v.currentTime - want) > 1 / vids[i].fps) v.currentTime = want;
    });
    if (t >= end - 1e-3) { pause(); }
    show();
    requestAnimationFrame(tick);
  }
  play.addEventListener("click", () => {
    if (playing) { pause(); return; }
    if (t >= end - 1e-3) seek(start);
    playing = true; play.textContent = w.pause;
    videos.forEach((v, i) => {
      v.playbackRate = Number(speed.value);
      const want = vids[i].anchor + t;
      if (want >= 0 && want <= vids[i].duration) v.play().catch(() => {});
    });
    requestAnimationFrame(tick);
  });
  speed.addEventListener("change", () => {
    videos.forEach((v) => { v.playbackRate = Number(speed.value); });
  });
  box.querySelectorAll("button[data-step]").forEach((b) => b.addEventListener("click", () => {
    pause(); seek(t + Number(b.dataset.step));
  }));
  box.querySelectorAll("button[data-frames]").forEach((b) => b.addEventListener("click", () => {
    // One frame of the pre video (the two are filmed at the same rate as a rule).
    pause(); seek(t + Number(b.dataset.frames) / vids[0].fps);
  }));
  scrub.addEventListener("input", () => { pause(); seek(Number(scrub.value)); });
  chart.addEventListener("click", (e) => {
    const r = chart.getBoundingClientRect();
    pause(); seek(start + ((e.clientX - r.left) / r.width) * (end - start));
  });
  seek(t);
}

const built = new WeakMap();  // parent (a shadow root) -> what it shows

export default function (component) {
  const { parentElement, data } = component;
  const key = JSON.stringify(data.videos.map((v) => [v.anchor, v.src.length, v.frames]));
  if (built.get(parentElement) === key) return;  // same videos: keep the playhead
  built.set(parentElement, key);
  build(parentElement, data);
}
