// Progressive enhancement for the order list: page toggle, shift-click ranges,
// a live "N selected" count and the "select all matching" offer. Without JS the
// checkboxes still post as a plain form.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("selection-form");
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll("input.row-check:not([disabled])"));
  const toggle = document.getElementById("toggle-page");
  const counter = document.getElementById("selected-count");
  const allWrap = document.getElementById("select-all-wrap");
  const allBox = document.getElementById("select-all-matching");
  const total = Number(form.querySelector("table").dataset.total || 0);
  let last = null;

  function update() {
    const n = boxes.filter((b) => b.checked).length;
    const pageDone = n > 0 && n === boxes.length;
    if (toggle) {
      toggle.checked = pageDone;
      toggle.indeterminate = n > 0 && !pageDone;
    }
    if (allWrap) allWrap.hidden = !(pageDone && total > boxes.length);
    if (allBox && !pageDone) allBox.checked = false;
    if (counter) {
      counter.textContent = allBox && allBox.checked
        ? `All ${total.toLocaleString()} matching orders selected`
        : `${n} selected`;
    }
  }
  boxes.forEach((box, i) => {
    box.addEventListener("click", (event) => {
      if (event.shiftKey && last !== null) {
        const [a, b] = [Math.min(last, i), Math.max(last, i)];
        for (let j = a; j <= b; j++) boxes[j].checked = box.checked;
      }
      last = i;
      update();
    });
  });
  if (toggle) toggle.addEventListener("change", () => {
    boxes.forEach((b) => { b.checked = toggle.checked; });
    update();
  });
  if (allBox) allBox.addEventListener("change", update);
  update();
});

// Deletion progress: poll the JSON endpoint until the run ends, then reload for the
// per-order outcomes. Without JS the page is still right on a manual reload.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("progress");
  if (!box || box.dataset.done === "1") return;
  const bar = box.querySelector("progress");
  const text = document.getElementById("progress-text");
  const waiting = document.getElementById("progress-waiting");
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const p = await response.json();
      bar.value = p.percent;
      text.textContent = `${p.settled} of ${p.total} orders settled · ${p.delete_calls} delete calls · ${p.state_label}`;
      waiting.hidden = !p.waiting_for_worker;
      if (p.done) { window.location.reload(); return; }
    } catch (e) { /* a missed poll is retried */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
});
