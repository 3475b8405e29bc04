// The drawing pad: Pointer Events (mouse, finger, pen), undo, clear, debounced recognition.
"use strict";

(() => {
  const RECOGNISE_DELAY_MS = 350;   // after the last stroke ends
  const canvas = document.getElementById("pad");
  const context = canvas.getContext("2d");
  const pen = document.getElementById("pen");
  const charset = document.querySelector("[data-testid=charset]");
  const status = document.getElementById("status");
  // Each stroke: {width, points: [[x, y], ...]}, as fractions of the pad's side, so a
  // drawing survives the pad being resized (a phone turned sideways).
  const strokes = [];
  let current = null;
  let timer = null;
  let requestId = 0;

  // Crisp on high-DPI screens: the backing store has devicePixelRatio pixels per CSS pixel.
  function resize() {
    const size = canvas.getBoundingClientRect().width;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(size * ratio);
    canvas.height = Math.round(size * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    redraw();
  }

  function drawStroke(stroke) {
    const size = canvas.getBoundingClientRect().width;
    context.lineWidth = stroke.width * size;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";
    context.fillStyle = "#111";
    const [first, ...rest] = stroke.points;
    if (rest.length === 0) {  // a dot
      context.beginPath();
      context.arc(first[0] * size, first[1] * size, stroke.width * size / 2, 0, 2 * Math.PI);
      context.fill();
      return;
    }
    context.beginPath();
    context.moveTo(first[0] * size, first[1] * size);
    for (const [x, y] of rest) context.lineTo(x * size, y * size);
    context.stroke();
  }

  function redraw() {
    const size = canvas.getBoundingClientRect().width;
    context.fillStyle = "#fff";
    context.fillRect(0, 0, size, size);
    strokes.forEach(drawStroke);
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height];
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    clearTimeout(timer);
    // Pen width is in pixels of a 400 px pad, so a stroke looks the same on a phone.
    const width = Number(pen.value) / 400;
    current = { width, points: [point(event)] };
    strokes.push(current);
    drawStroke(current);
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of (events.length ? events : [event])) current.points.push(point(e));
    redraw();
  });

  function endStroke() {
    if (!current) return;
    current = null;
    schedule();
  }
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(recognise, RECOGNISE_DELAY_MS);
  }

  async function recognise() {
    clearTimeout(timer);
    if (strokes.length === 0) {
      status.textContent = "Draw a character first.";
      return;
    }
    const id = ++requestId;
    status.textContent = "Reading…";
    try {
      const result = await hcr.post("/api/predict", {
        image: canvas.toDataURL("image/png"), top: 5, charset: charset.value,
      });
      if (id !== requestId) return;  // a newer drawing is on its way
      hcr.showResult(result);
      sharing.show();
      status.textContent = "Keep drawing, or share the result.";
    } catch (error) {
      if (id !== requestId) return;
      hcr.hideResult();
      status.textContent = error.message;
    }
  }

  function undo() {
    strokes.pop();
    redraw();
    if (strokes.length) schedule(); else clear();
  }

  function clear() {
    strokes.length = 0;
    requestId++;
    clearTimeout(timer);
    redraw();
    hcr.hideResult();
    status.textContent = "Draw with a mouse, a finger or a pen.";
  }

  const sharing = hcr.setUpSharing(
    () => (strokes.length ? { image: canvas.toDataURL("image/png"), charset: charset.value } : null),
    (message) => { status.textContent = message; });

  document.getElementById("undo").addEventListener("click", undo);
  document.getElementById("clear").addEventListener("click", clear);
  document.getElementById("recognise").addEventListener("click", recognise);
  charset.addEventListener("change", () => { if (strokes.length) recognise(); });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
      event.preventDefault();
      undo();
    } else if (event.key === "Escape") {
      clear();
    }
  });
  window.addEventListener("resize", resize);
  resize();
})();
