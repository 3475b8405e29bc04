// The result block and the share box, shared by the canvas and upload pages.
"use strict";

const hcr = {
  // Fill the result block (templates/_result.html) from an /api/predict answer.
  showResult(result) {
    const block = document.querySelector("[data-testid=result]");
    block.querySelector("[data-testid=prediction]").textContent = result.char;
    block.querySelector("[data-testid=confidence]").textContent =
      `${(100 * result.confidence).toFixed(1)}% sure`;
    const list = block.querySelector("[data-testid=top-k]");
    list.replaceChildren(...result.top.map((t) => {
      const item = document.createElement("li");
      const char = document.createElement("span");
      char.className = "k-char";
      char.textContent = t.char;
      const bar = document.createElement("meter");
      bar.min = 0; bar.max = 1; bar.value = t.p;
      const p = document.createElement("span");
      p.className = "k-p";
      p.textContent = `${(100 * t.p).toFixed(1)}%`;
      item.append(char, bar, p);
      return item;
    }));
    block.querySelector("[data-testid=model-input]").src = result.input;
    block.hidden = false;
  },

  hideResult() {
    document.querySelector("[data-testid=result]").hidden = true;
    const box = document.getElementById("share-box");
    if (box) box.hidden = true;
  },

  // POST and return the parsed JSON; throws an Error carrying the server's message.
  async post(url, body) {
    const options = { method: "POST", headers: { Accept: "application/json" } };
    if (body instanceof FormData) {
      options.body = body;
    } else {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = null;
    try { data = await response.json(); } catch (e) { /* not JSON: handled below */ }
    if (!response.ok) {
      throw new Error((data && data.error) || `the server answered ${response.status}`);
    }
    return data;
  },

  // Wire the share box: makeBody() returns what POST /api/shares needs, or null.
  setUpSharing(makeBody, onError) {
    const box = document.getElementById("share-box");
    const button = document.getElementById("share");
    button.addEventListener("click", async () => {
      const body = makeBody();
      if (!body) return;
      button.disabled = true;
      try {
        const share = await hcr.post("/api/shares", body);
        const input = document.getElementById("share-url");
        input.value = share.url;
        document.getElementById("share-open").href = share.url;
        document.getElementById("share-link").hidden = false;
        input.select();
      } catch (error) {
        onError(error.message);
      } finally {
        button.disabled = false;
      }
    });
    return {
      show() { box.hidden = false; document.getElementById("share-link").hidden = true; },
    };
  },
};

// Copy-link buttons (also on the shared-result page).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copyTarget);
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = "Copied";
  } catch (e) {
    document.execCommand("copy");
    button.textContent = "Copied";
  }
  setTimeout(() => { button.textContent = "Copy link"; }, 1500);
});
