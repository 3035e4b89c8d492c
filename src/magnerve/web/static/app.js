/* magnerve: small progressive enhancements. Every page works without this file.
 *
 * - one-tap logging without a page reload (falls back to the plain form POST)
 * - the browser's time zone for logged times (a phone abroad logs its own clock)
 * - "recognised as ..." hints while typing a medicine name (the datalist already suggests)
 * - adding medicine rows, confirming deletes, the print button, kind-specific entry fields
 *
 * Loaded as a same-origin file: the Content-Security-Policy allows no inline script.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function setOffsets() {
    var offset = String(new Date().getTimezoneOffset());
    document.querySelectorAll("input[name=client_offset]").forEach(function (input) { input.value = offset; });
  }

  function csrfOf(form) {
    var field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function showFlash(data, form) {
    var flash = document.getElementById("flash");
    if (!flash) { return; }
    flash.textContent = "";
    var box = document.createElement("div");
    box.className = "flash";
    box.appendChild(document.createTextNode("Logged " + data.text + " at " + data.when.slice(-5) + ". "));
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "link";
    undo.textContent = "Undo";
    undo.addEventListener("click", function () {
      var body = new FormData();
      body.append("csrf_token", csrfOf(form));
      fetch("/journal/" + encodeURIComponent(data.id) + "/delete", {
        method: "POST", body: body, headers: { "Accept": "application/json" }, credentials: "same-origin"
      }).then(function (response) {
        if (response.ok) {
          flash.textContent = "Removed.";
          var row = document.querySelector("#today-list li[data-id='" + data.id + "']");
          if (row) { row.remove(); }
        }
      });
    });
    box.appendChild(undo);
    flash.appendChild(box);
    var list = document.getElementById("today-list");
    if (list) {
      var empty = document.getElementById("nothing-yet");
      if (empty) { empty.remove(); }
      var item = document.createElement("li");
      item.setAttribute("data-id", data.id);
      item.textContent = data.when.slice(-5) + " · " + data.text;
      list.insertBefore(item, list.firstChild);
    }
  }

  function quickForms() {
    document.querySelectorAll("form[data-quick]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.fetch || !window.FormData) { return; }
        event.preventDefault();
        setOffsets();
        var body = new FormData(form);
        var submitter = event.submitter;
        if (submitter && submitter.name) { body.append(submitter.name, submitter.value); }
        // Not disabled while sending: a disabled button drops keyboard focus.
        if (form.getAttribute("aria-busy") === "true") { return; }
        form.setAttribute("aria-busy", "true");
        fetch(form.action, {
          method: "POST", body: body, headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        }).then(function (result) {
          if (result.ok) {
            showFlash(result.data, form);
          } else {
            var flash = document.getElementById("flash");
            if (flash) { flash.textContent = result.data.detail || "That did not work; please try again."; }
          }
        }).catch(function () {
          form.submit();
        }).finally(function () {
          form.removeAttribute("aria-busy");
        });
      });
    });
  }

  function medicineHints() {
    var timers = new WeakMap();
    document.querySelectorAll("input[data-medicine]").forEach(attachHint);

    function attachHint(input) {
      var hint = input.parentNode.querySelector(".med-hint");
      if (!hint) { return; }
      input.addEventListener("input", function () {
        clearTimeout(timers.get(input));
        timers.set(input, setTimeout(function () { lookup(input, hint); }, 200));
      });
    }

    function lookup(input, hint) {
      var text = input.value.trim();
      hint.className = "med-hint";
      hint.textContent = "";
      if (text.length < 3) { return; }
      fetch("/api/v1/medicines?limit=1&q=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) {
          if (input.value.trim() !== text) { return; }
          if (found.length && found[0].name.toLowerCase() === text.toLowerCase()) {
            hint.className = "med-hint ok";
            hint.textContent = "Recognised: " + found[0].drug_name;
          } else if (found.length) {
            hint.textContent = "Did you mean " + found[0].name + "?";
          } else {
            hint.className = "med-hint unknown";
            hint.textContent = "Not in magnerve's list: its interactions cannot be checked.";
          }
        });
    }

    var add = document.getElementById("add-medicine");
    if (add) {
      add.addEventListener("click", function () {
        var rows = document.querySelectorAll(".med-row");
        var last = rows[rows.length - 1];
        var copy = last.cloneNode(true);
        var index = rows.length;
        copy.querySelectorAll("input").forEach(function (input) {
          var base = input.id.replace(/_\d+$/, "");
          input.id = base + "_" + index;
          input.value = "";
          input.removeAttribute("aria-invalid");
          input.removeAttribute("aria-describedby");
        });
        copy.querySelectorAll("label").forEach(function (label) {
          var target = label.getAttribute("for").replace(/_\d+$/, "");
          label.setAttribute("for", target + "_" + index);
          if (target === "med_name") { label.textContent = "Medicine " + (index + 1); }
        });
        copy.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
        copy.querySelectorAll(".med-hint").forEach(function (e) { e.textContent = ""; });
        last.parentNode.insertBefore(copy, add);
        copy.querySelectorAll("input[data-medicine]").forEach(attachHint);
        copy.querySelector("input").focus();
      });
    }
  }

  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function kindFields() {
    var select = document.querySelector("select[data-kind-select]");
    if (!select) { return; }
    function show() {
      document.querySelectorAll("fieldset[data-kind]").forEach(function (fieldset) {
        fieldset.hidden = fieldset.getAttribute("data-kind") !== select.value;
      });
    }
    select.addEventListener("change", show);
    show();
  }

  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  ready(function () {
    setOffsets();
    quickForms();
    medicineHints();
    confirmations();
    printButtons();
    kindFields();
    focusErrors();
  });
}());
