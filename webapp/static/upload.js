// The upload form with JavaScript: preview, drag and drop, result shown in place.
// Without JavaScript the same form posts to /upload and the page comes back with the result.
"use strict";

(() => {
  const form = document.getElementById("upload-form");
  const input = document.getElementById("file");
  const drop = document.getElementById("drop");
  const preview = document.getElementById("preview");
  const error = document.getElementById("error");
  const charset = document.querySelector("[data-testid=charset]");
  let previewUrl = null;

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function showPreview(file) {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(file);
    preview.src = previewUrl;
    preview.hidden = false;
  }

  function formData() {
    const file = input.files[0];
    if (!file) return null;
    const data = new FormData();
    data.append("image", file);
    data.append("charset", charset.value);
    return data;
  }

  async function recognise() {
    const data = formData();
    if (!data) { showError("Choose a picture first."); return; }
    showError("");
    try {
      const result = await hcr.post("/api/predict", data);
      hcr.showResult(result);
      sharing.show();
    } catch (e) {
      hcr.hideResult();
      showError(e.message);
    }
  }

  const sharing = hcr.setUpSharing(formData, showError);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    recognise();
  });
  input.addEventListener("change", () => {
    if (input.files[0]) { showPreview(input.files[0]); recognise(); }
  });
  charset.addEventListener("change", () => { if (input.files[0]) recognise(); });
  ["dragenter", "dragover"].forEach((type) => drop.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((type) => drop.addEventListener(type, () => {
    drop.classList.remove("dragging");
  }));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    if (!event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change"));
  });
})();
