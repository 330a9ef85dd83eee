// Progressive enhancement only: every page works as plain HTML forms without this file.
// No inline scripts or styles anywhere, so the site can run under a strict CSP.

// Order list: page toggle, shift-click ranges, a live "N selected" count in the sticky
// action bar and the "select all N matching" offer. Without JS the checkboxes still post
// as a plain form and "select all matching" is always offered.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("selection-form");
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll("input.row-check:not([disabled])"));
  const toggle = document.getElementById("toggle-page");
  const counter = document.getElementById("selected-count");
  const allWrap = document.getElementById("select-all-wrap");
  const allBox = document.getElementById("select-all-matching");
  const bar = document.getElementById("actionbar");
  const table = form.querySelector("table");
  let total = Number(table.dataset.total || 0);
  let capped = table.dataset.capped === "1";  // the count stopped early: "N+" matching
  const clear = document.getElementById("clear-selection");
  const remove = document.getElementById("delete-selected");
  let last = null;
  if (bar) bar.classList.add("js-managed");  // shown once something is ticked
  if (clear) {
    clear.hidden = false;
    clear.addEventListener("click", () => {
      boxes.forEach((b) => { b.checked = false; });
      if (allBox) allBox.checked = false;
      last = null;
      update();
    });
  }

  // "Select all N+": the exact number, asked for once when it is offered.
  async function exactCount() {
    if (!capped || !table.dataset.countUrl) return;
    capped = false;
    try {
      const response = await fetch(table.dataset.countUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) { capped = true; return; }
      total = (await response.json()).count;
      const label = allWrap && allWrap.querySelector(".matching-count");
      if (label) label.textContent = total.toLocaleString();
      update();
    } catch (e) { capped = true; }
  }

  function plural(n, word) {
    return `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
  }

  function update() {
    const n = boxes.filter((b) => b.checked).length;
    const pageDone = n > 0 && n === boxes.length;
    if (toggle) {
      toggle.checked = pageDone;
      toggle.indeterminate = n > 0 && !pageDone;
    }
    if (allWrap) allWrap.hidden = !(pageDone && total > boxes.length);
    if (allWrap && !allWrap.hidden) exactCount();
    if (remove) remove.disabled = !(n > 0 || (allBox && allBox.checked));
    if (allBox && !pageDone) allBox.checked = false;
    const all = Boolean(allBox && allBox.checked);
    if (bar) bar.classList.toggle("has-selection", n > 0 || all);
    if (counter) {
      if (all && capped) counter.textContent = `All ${total.toLocaleString()}+ matching orders selected`;
      else if (all) counter.textContent = `All ${plural(total, "matching order")} selected`;
      else if (n === 0) counter.textContent = "0 selected: tick orders, or the header box for the whole page";
      else counter.textContent = `${n.toLocaleString()} selected`;
    }
  }

  boxes.forEach((box, i) => {
    box.addEventListener("click", (event) => {
      // Shift-click (or shift+space) sets every box between the last one clicked and this one.
      if (event.shiftKey && last !== null && last !== i) {
        const [a, b] = [Math.min(last, i), Math.max(last, i)];
        for (let j = a; j <= b; j++) boxes[j].checked = box.checked;
      }
      last = i;
      update();
    });
  });
  if (toggle) {
    toggle.addEventListener("change", () => {
      boxes.forEach((b) => { b.checked = toggle.checked; });
      last = null;
      update();
    });
  }
  if (allBox) allBox.addEventListener("change", update);
  // Ticked boxes survive a back/forward navigation: count them again.
  window.addEventListener("pageshow", update);
  update();
});

// Forms marked data-submit-once (the final "Yes, delete"): a second click or Enter while
// the first post is on its way does nothing. The server runs a deletion once anyway; this
// only spares the user a confusing "already confirmed" message.
document.addEventListener("DOMContentLoaded", () => {
  const forms = document.querySelectorAll("form[data-submit-once]");
  forms.forEach((form) => {
    let sent = false;
    form.addEventListener("submit", (event) => {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      const button = event.submitter;
      if (button && button.dataset.busyLabel) {
        // After the submit event, so the button's name=value is still part of the post.
        setTimeout(() => {
          button.textContent = button.dataset.busyLabel;
          button.setAttribute("aria-disabled", "true");
        }, 0);
      }
    });
  });
  if (forms.length) {
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) window.location.reload();  // never show a stale "Deleting…" page
    });
  }
});

// Deletion progress: poll the JSON endpoint until the run ends, then reload for the
// per-order outcomes. Without JS the page is still right on a manual reload.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("progress");
  if (!box || box.dataset.done === "1") return;
  const bar = box.querySelector("progress");
  const percent = document.getElementById("progress-percent");
  const text = document.getElementById("progress-text");
  const state = document.getElementById("run-state");
  const silent = document.getElementById("progress-silent");
  const since = document.getElementById("progress-silent-since");
  const worker = document.getElementById("worker-status");
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const p = await response.json();
        bar.value = p.percent;
        bar.textContent = `${p.percent}%`;
        if (percent) percent.textContent = `${p.percent}%`;
        text.textContent = p.text;  // the server's words: the heading and the line agree
        state.textContent = p.state_label;
        state.className = `run-state run-${p.state}`;
        silent.hidden = !p.silent_since;
        since.textContent = p.silent_since_text;  // the server's clock, as the page has it
        if (worker) worker.hidden = p.worker_running;
        if (p.done) { window.location.reload(); return; }
      }
    } catch (e) { /* a missed poll is retried */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
});

// The list header: while a sync of a shown account is queued or running, poll its state;
// once they have all ended, offer a reload (never reload by itself: ticks would be lost).
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("sync-status");
  if (!box || !box.dataset.live) return;
  const worker = document.getElementById("worker-status");
  const reload = document.getElementById("sync-reload");
  function show(row) {
    const item = box.querySelector(`li[data-account="${CSS.escape(row.account)}"]`);
    if (!item) return;
    item.className = `sync-${row.state || "none"}`;
    item.querySelector(".sync-age").textContent = row.mirror_age;
    let text = item.querySelector(".sync-text");
    if (!text) {
      item.append(" · ");
      text = document.createElement("span");
      text.className = "sync-text";
      item.append(text);
    }
    text.textContent = row.text;
  }
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const status = await response.json();
        status.accounts.forEach(show);
        worker.hidden = status.worker_running;
        if (!status.accounts.some((row) => row.live)) { reload.hidden = false; return; }
      }
    } catch (e) { /* a missed poll is retried */ }
    setTimeout(poll, 1500);
  }
  setTimeout(poll, 1000);
});
