// The office shell: inline formsets, remembered sidebar sections, the search dialog (/ or Ctrl+K), confirmation
// of irreversible steps, home-page charts (Chart.js) and kanban boards (SortableJS). No framework: each part
// enhances server-rendered HTML that also works without it.
"use strict";

(() => {
  const csrfToken = () => {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  };

  // ---- messages (the same alerts the server renders) --------------------------------------------------------
  const flash = (text, kind) => {
    const box = document.getElementById("messages");
    if (!box || !text) return;
    const alert = document.createElement("div");
    alert.className = `alert alert-${kind === "error" ? "danger" : "success"} alert-dismissible py-2`;
    alert.setAttribute("role", kind === "error" ? "alert" : "status");
    alert.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close py-2";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "Dismiss");
    alert.appendChild(close);
    box.replaceChildren(alert);
  };

  // ---- inline formsets: "Add row" clones the empty form and bumps TOTAL_FORMS --------------------------------
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".add-row");
    if (!button) return;
    const card = button.closest(".inline-formset");
    const prefix = card.dataset.prefix;
    const total = card.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const html = card.querySelector("template.formset-empty").innerHTML.replaceAll("__prefix__", total.value);
    card.querySelector(".formset-rows").insertAdjacentHTML("beforeend", html);
    total.value = String(Number(total.value) + 1);
  });

  // ---- confirmation of irreversible steps (a Bootstrap modal; window.confirm without Bootstrap) ---------------
  const confirmStep = (text, label) => new Promise((resolve) => {
    const dialog = document.getElementById("confirm-dialog");
    if (!dialog || !window.bootstrap) {
      resolve(window.confirm(text));
      return;
    }
    dialog.querySelector("[data-testid=confirm-text]").textContent = text;
    const ok = dialog.querySelector("[data-confirm-ok]");
    ok.textContent = label ? `Yes, ${label.toLowerCase()}` : "Yes, continue";
    const modal = window.bootstrap.Modal.getOrCreateInstance(dialog);
    let answer = false;
    const onOk = () => { answer = true; modal.hide(); };
    ok.addEventListener("click", onOk, { once: true });
    dialog.addEventListener("hidden.bs.modal", () => {
      ok.removeEventListener("click", onOk);
      resolve(answer);
    }, { once: true });
    modal.show();
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.dataset.confirm || form.dataset.confirmed === "1") return;
    event.preventDefault();
    const submitter = event.submitter;
    confirmStep(form.dataset.confirm, form.dataset.confirmLabel).then((yes) => {
      if (!yes) return;
      form.dataset.confirmed = "1";
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
    });
  });

  // ---- sidebar: sections open or closed as the user left them (the current module is always open) ------------
  const SIDEBAR_KEY = "millwright.sidebar";
  const readSidebar = () => {
    try { return JSON.parse(localStorage.getItem(SIDEBAR_KEY) || "{}"); } catch (_e) { return {}; }
  };
  const initSidebar = () => {
    const saved = readSidebar();
    document.querySelectorAll(".sidebar-module").forEach((section) => {
      const list = section.querySelector("ul.collapse");
      const toggle = section.querySelector(".sidebar-toggle");
      if (!list || !toggle) return;
      const slug = section.dataset.module;
      if (!list.dataset.current && slug in saved) {
        list.classList.toggle("show", Boolean(saved[slug]));
        toggle.classList.toggle("collapsed", !saved[slug]);
        toggle.setAttribute("aria-expanded", saved[slug] ? "true" : "false");
      }
      list.addEventListener("shown.bs.collapse", () => { const s = readSidebar(); s[slug] = true; localStorage.setItem(SIDEBAR_KEY, JSON.stringify(s)); });
      list.addEventListener("hidden.bs.collapse", () => { const s = readSidebar(); s[slug] = false; localStorage.setItem(SIDEBAR_KEY, JSON.stringify(s)); });
    });
  };

  // ---- global search: "/" or Ctrl+K opens the dialog; arrows choose a result, Enter opens it -----------------
  const searchDialog = () => document.getElementById("search-dialog");
  const openSearch = (initial) => {
    const dialog = searchDialog();
    if (!dialog || !window.bootstrap) {
      window.location.href = "/search/";
      return;
    }
    const input = dialog.querySelector("#search-input");
    const modal = window.bootstrap.Modal.getOrCreateInstance(dialog);
    dialog.addEventListener("shown.bs.modal", () => {
      if (initial) {
        input.value = initial;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
      input.focus();
      input.select();
    }, { once: true });
    modal.show();
  };
  const typing = (element) => element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));

  document.addEventListener("keydown", (event) => {
    const dialog = searchDialog();
    const open = dialog && dialog.classList.contains("show");
    if (!open && ((event.key === "k" && (event.ctrlKey || event.metaKey)) || (event.key === "/" && !typing(event.target)))) {
      event.preventDefault();
      openSearch("");
    }
  });

  const hits = () => Array.from(document.querySelectorAll("#search-results .search-hit"));
  let active = -1;
  const choose = (index) => {
    const list = hits();
    const input = document.getElementById("search-input");
    list.forEach((hit, i) => {
      hit.classList.toggle("active", i === index);
      hit.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = list.length ? index : -1;
    if (input) {
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", list[active].id);
        list[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
  };
  const initSearch = () => {
    const input = document.getElementById("search-input");
    const launcher = document.querySelector("[data-open-search]");
    if (launcher) {
      launcher.addEventListener("click", (event) => { event.preventDefault(); launcher.blur(); openSearch(launcher.value); });
      launcher.addEventListener("keydown", (event) => {
        if (event.key.length === 1 && !event.ctrlKey && !event.metaKey) {
          event.preventDefault();
          launcher.blur();
          openSearch(launcher.value + event.key);
        }
      });
    }
    if (!input) return;
    input.addEventListener("keydown", (event) => {
      const list = hits();
      if (event.key === "ArrowDown" && list.length) {
        event.preventDefault();
        choose((active + 1) % list.length);
      } else if (event.key === "ArrowUp" && list.length) {
        event.preventDefault();
        choose((active - 1 + list.length) % list.length);
      } else if (event.key === "Enter" && active >= 0 && list[active]) {
        event.preventDefault();
        window.location.href = list[active].href;
      }
    });
    document.body.addEventListener("htmx:afterSwap", (event) => {
      if (event.detail.target && event.detail.target.id === "search-results") {
        const found = hits().length > 0;
        input.setAttribute("aria-expanded", found ? "true" : "false");
        choose(found ? 0 : -1);
      }
    });
  };

  // ---- home-page charts: data from the page's JSON; a click on a bar opens its filtered list ------------------
  const PALETTE = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#ffc107", "#6c757d"];
  const initCharts = () => {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      const spec = JSON.parse(source.textContent);
      const unit = spec.unit || "";
      const round = (value) => (Math.round(value * 10) / 10).toLocaleString("en-US");
      const datasets = (spec.datasets || []).map((set, i) => ({
        ...set,
        backgroundColor: spec.type === "doughnut" ? PALETTE : PALETTE[i % PALETTE.length],
        borderColor: spec.type === "doughnut" ? "#fff" : PALETTE[i % PALETTE.length],
        tension: 0.25,
      }));
      const chart = new window.Chart(canvas, {
        type: spec.type || "bar",
        data: { labels: spec.labels || [], datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            legend: { display: spec.type === "doughnut" || datasets.length > 1, position: "bottom" },
            tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label ? ctx.dataset.label + ": " : ""}${round(ctx.parsed.y ?? ctx.parsed)}${unit ? " " + unit : ""}` } },
          },
          scales: spec.type === "doughnut" ? {} : { y: { beginAtZero: true, ticks: { callback: (v) => `${round(v)}${unit ? " " + unit : ""}` } } },
          onClick: (_event, elements) => {
            const index = elements.length ? elements[0].index : -1;
            const target = (spec.links && index >= 0 && spec.links[index]) || spec.url;
            if (target) window.location.href = target;
          },
        },
      });
      canvas.dataset.ready = "1";
      canvas.chart = chart;
    });
  };

  // ---- a line of text before a step (a Bootstrap modal; window.prompt without Bootstrap); null if cancelled ----
  const askText = (text, label) => new Promise((resolve) => {
    const dialog = document.getElementById("prompt-dialog");
    if (!dialog || !window.bootstrap) {
      const answer = window.prompt(text);
      resolve(answer && answer.trim() ? answer.trim() : null);
      return;
    }
    const form = dialog.querySelector("[data-prompt-form]");
    const input = dialog.querySelector("#prompt-input");
    dialog.querySelector("[data-testid=prompt-text]").textContent = text;
    dialog.querySelector("[data-prompt-ok]").textContent = label || "Continue";
    input.value = "";
    const modal = window.bootstrap.Modal.getOrCreateInstance(dialog);
    let answer = null;
    const onSubmit = (event) => {
      event.preventDefault();
      if (!input.value.trim()) return;
      answer = input.value.trim();
      modal.hide();
    };
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("shown.bs.modal", () => input.focus(), { once: true });
    dialog.addEventListener("hidden.bs.modal", () => {
      form.removeEventListener("submit", onSubmit);
      resolve(answer);
    }, { once: true });
    modal.show();
  });

  // ---- kanban: a drop asks the server to take the step; a refusal puts the card back and says why -------------
  // The board (core/partials/kanban_board.html) says what a drop sends: each card's `data-move` URL gets the
  // target column's `data-status` as `data-move-field` ("status" by default), plus the answer to the column's
  // `data-prompt` as its `data-prompt-field` when it has one. With `data-refresh`, a successful drop re-renders
  // the board from that URL (its counts and totals come from the server); otherwise the counts move by one.
  const kanbanMoves = () => {
    const node = document.getElementById("kanban-moves");
    return node ? JSON.parse(node.textContent) : {};
  };
  const refreshBoard = async (board) => {
    try {
      const response = await fetch(board.dataset.refresh, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
      if (!response.ok) return;
      const holder = document.createElement("div");
      holder.innerHTML = await response.text();
      const fresh = holder.querySelector(".kanban");
      if (!fresh) return;
      board.replaceWith(fresh);
      bindBoard(fresh);
    } catch (_e) { /* the board stays as the drop left it; a reload shows the truth */ }
  };
  const bindBoard = (board) => {
    if (!window.Sortable || !board.dataset.canMove) return;
    const moves = kanbanMoves();
    const field = board.dataset.moveField || "status";
    const count = (column, delta) => {
      const badge = board.querySelector(`.kanban-column[data-status="${column}"] [data-testid=column-count]`);
      if (badge) badge.textContent = String(Number(badge.textContent) + delta);
    };
    const snapBack = (evt) => {
      evt.from.insertBefore(evt.item, evt.from.children[evt.oldIndex] || null);
    };
    board.querySelectorAll(".kanban-cards").forEach((list) => {
      window.Sortable.create(list, {
        group: "kanban",
        draggable: ".kanban-card[data-move]",
        animation: 150,
        onEnd: async (evt) => {
          const from = evt.from.dataset.status;
          const to = evt.to.dataset.status;
          if (from === to) {
            if (evt.oldIndex !== evt.newIndex) snapBack(evt); // the order of a column is the list's, not a choice
            return;
          }
          const move = (moves[from] || {})[to];
          if (move && move.confirm && !(await confirmStep(move.confirm, move.label))) {
            snapBack(evt);
            return;
          }
          const body = new FormData();
          body.append(field, to);
          if (evt.to.dataset.prompt) {
            const text = await askText(evt.to.dataset.prompt, move && move.label);
            if (text === null) {
              snapBack(evt);
              return;
            }
            body.append(evt.to.dataset.promptField, text);
          }
          evt.item.classList.add("kanban-busy");
          let answer = { ok: false, message: "The server did not answer; nothing changed." };
          try {
            const response = await fetch(evt.item.dataset.move, {
              method: "POST", body, headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }, credentials: "same-origin",
            });
            answer = await response.json();
          } catch (_e) { /* keep the message above */ }
          evt.item.classList.remove("kanban-busy");
          if (answer.ok && answer.status === to) {
            if (board.dataset.refresh) {
              await refreshBoard(board);
            } else {
              count(from, -1);
              count(to, 1);
            }
            flash(answer.message, "success");
          } else if (answer.ok) {
            snapBack(evt); // the step was taken but the record stays in its column (an approval of several)
            flash(answer.message, "success");
          } else {
            snapBack(evt);
            flash(answer.message, "error");
          }
        },
      });
    });
  };
  const initKanban = () => {
    const board = document.querySelector(".kanban");
    if (board) bindBoard(board);
  };

  document.addEventListener("DOMContentLoaded", () => {
    initSidebar();
    initSearch();
    initCharts();
    initKanban();
  });
})();
