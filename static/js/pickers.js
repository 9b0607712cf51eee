// Searchable pickers: Tom Select on every <select data-picker> (apps/core/ui/widgets.py renders them).
//   data-picker="remote"          search the scoped endpoint data-picker-url (paginated: {results, more})
//   data-picker="local"           search the rendered options (reference data: currencies, units, roles)
//   data-picker-depends='{"item": "$item"}'   send the value of field `item` (same inline row first, else the
//                                 form) as ?item=…; when that field changes, this picker is emptied
//   data-picker-defaults='{"url", "params", "fill", "hints"}'   when this field (or a param field) changes,
//                                 GET url?params and fill empty fields / show hints from the JSON answer
(() => {
  "use strict";

  let filling = false; // true while this script sets a field, so the change is not taken for the user's

  // The field `name` seen from `element`: `lines-0-name` in the same inline row, else `name` in the form.
  function fieldFor(element, name) {
    const form = element.form;
    if (!form) return null;
    const own = element.name || "";
    const cut = own.lastIndexOf("-");
    if (cut > 0) {
      const inRow = form.elements.namedItem(own.slice(0, cut + 1) + name);
      if (inRow) return inRow;
    }
    return form.elements.namedItem(name);
  }

  function references(spec) {
    return Object.values(spec || {}).filter((ref) => ref.startsWith("$")).map((ref) => ref.slice(1));
  }

  function parameters(element, spec) {
    const params = new URLSearchParams();
    for (const [name, ref] of Object.entries(spec || {})) {
      const source = ref.startsWith("$") ? fieldFor(element, ref.slice(1)) : null;
      const value = source ? source.value : ref;
      if (value) params.set(name, value);
    }
    return params;
  }

  function json(element, attribute) {
    const raw = element.getAttribute(attribute);
    return raw ? JSON.parse(raw) : null;
  }

  function pageUrl(select, query, page) {
    const url = new URL(select.dataset.pickerUrl, window.location.origin);
    for (const [name, value] of parameters(select, json(select, "data-picker-depends"))) {
      url.searchParams.set(name, value);
    }
    url.searchParams.set("q", query);
    url.searchParams.set("page", String(page));
    return url.toString();
  }

  function remoteSettings(select) {
    return {
      valueField: "id",
      labelField: "text",
      searchField: ["text"],
      plugins: ["virtual_scroll"],
      maxOptions: null,
      preload: "focus",
      shouldLoad: () => true,
      // the server searched already (number, code, name …): show what it answered for this very query
      // (the chosen options, and those rendered with the page, always show)
      score(query) {
        const chosen = this.items;
        return (option) => (option.q === undefined || option.q === query || chosen.includes(String(option.id)) ? 1 : 0);
      },
      firstUrl: (query) => pageUrl(select, query, 1),
      load(query, callback) {
        const url = this.getUrl(query);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
          .then((answer) => {
            if (query !== this.lastValue) { // typed on meanwhile: a stale answer must not replace the new one
              delete this.loadedSearches[query];
              this.loading = Math.max(this.loading - 1, 0);
              if (!this.loading) this.wrapper.classList.remove(this.settings.loadingClass);
              return;
            }
            if (answer.more) {
              const next = new URL(url);
              next.searchParams.set("page", String(Number(next.searchParams.get("page")) + 1));
              this.setNextUrl(query, next.toString());
            }
            callback(answer.results.map((option) => ({ ...option, q: query })));
          })
          .catch(() => callback());
      },
      render: {
        loading_more: () => '<div class="loading-more-results py-2 text-muted small">Loading more…</div>',
        no_more_results: () => "",
        no_results: () => '<div class="no-results text-muted small p-2">Nothing found</div>',
      },
    };
  }

  function init(select) {
    if (select.tomselect || typeof TomSelect === "undefined") return;
    const plugins = select.multiple ? ["remove_button"] : select.required ? [] : ["clear_button"];
    const settings = select.dataset.picker === "remote"
      ? remoteSettings(select)
      : { maxOptions: null, plugins: [] };
    settings.plugins = [...settings.plugins, ...plugins];
    settings.placeholder = select.getAttribute("placeholder") || undefined;
    // Tom Select points the field's <label> at its own input; the hidden <select> keeps the name for assistive
    // technology that still meets it
    const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
    if (label && !select.hasAttribute("aria-label")) select.setAttribute("aria-label", label.textContent.trim());
    new TomSelect(select, settings); // eslint-disable-line no-new
  }

  function scan(root) {
    if (root.matches && root.matches("select[data-picker]")) init(root);
    if (root.querySelectorAll) root.querySelectorAll("select[data-picker]").forEach(init);
  }

  // A picker whose parent changed: empty it, so it offers the new parent's records only.
  function reset(select) {
    if (select.tomselect) select.tomselect.destroy();
    Array.from(select.options).forEach((option) => { if (option.value) option.remove(); });
    select.value = "";
    init(select);
  }

  function isEmpty(field) {
    if (field.value === "") return true;
    // a new row's untouched zero (a price not given) is not a value the user chose
    return field.type === "number" && Number(field.value) === 0 && field.value === field.defaultValue;
  }

  function setField(field, value) {
    filling = true;
    try {
      if (field.tomselect) {
        if (value !== null && typeof value === "object") {
          field.tomselect.addOption({ id: String(value.id), text: value.text });
          field.tomselect.setValue(String(value.id));
        } else {
          field.tomselect.setValue(String(value));
        }
      } else {
        field.value = value;
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
      field.dataset.autofilled = "1";
    } finally {
      filling = false;
    }
  }

  function showHint(field, text) {
    const anchor = field.tomselect ? field.tomselect.wrapper : field;
    let hint = anchor.parentElement.querySelector(`.picker-hint[data-hint-for="${field.name}"]`);
    if (!hint) {
      hint = document.createElement("div");
      hint.className = "picker-hint";
      hint.dataset.hintFor = field.name;
      anchor.insertAdjacentElement("afterend", hint);
    }
    hint.textContent = text || "";
  }

  function applyDefaults(element, spec) {
    if (!element.value) return;
    const url = new URL(spec.url, window.location.origin);
    for (const [name, value] of parameters(element, spec.params)) url.searchParams.set(name, value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((answer) => {
        for (const [key, name] of Object.entries(spec.fill || {})) {
          const target = fieldFor(element, name);
          const value = answer[key];
          if (!target || value === null || value === undefined || value === "") continue;
          if (isEmpty(target) || target.dataset.autofilled) setField(target, value);
        }
        for (const [key, name] of Object.entries(spec.hints || {})) {
          const target = fieldFor(element, name);
          if (target) showHint(target, answer[key]);
        }
      })
      .catch(() => {});
  }

  document.addEventListener("change", (event) => {
    const source = event.target;
    const form = source.form;
    if (!form || !source.name) return;
    if (!filling) delete source.dataset.autofilled; // the user's own value from now on
    form.querySelectorAll("select[data-picker-depends]").forEach((select) => {
      if (select !== source && references(json(select, "data-picker-depends"))
        .some((name) => fieldFor(select, name) === source)) reset(select);
    });
    form.querySelectorAll("[data-picker-defaults]").forEach((element) => {
      const spec = json(element, "data-picker-defaults");
      if (element === source || references(spec.params).some((name) => fieldFor(element, name) === source)) {
        applyDefaults(element, spec);
      }
    });
  });

  document.addEventListener("input", (event) => {
    if (!filling && event.target.dataset) delete event.target.dataset.autofilled;
  });

  scan(document);
  // rows added by "Add row", content swapped in by htmx
  new MutationObserver((records) => records.forEach((record) => record.addedNodes.forEach((node) => {
    if (node.nodeType === Node.ELEMENT_NODE) scan(node);
  }))).observe(document.body, { childList: true, subtree: true });
})();
