/* Field pages: entries are kept on the device (IndexedDB) first, then sent to the JSON API when
   there is a connection. Each entry carries a device-made id, so a resend never makes two records.

   Sentences come translated from the server (#fw-messages); settings from #fw-config. */
(function () {
  "use strict";

  var M = JSON.parse(document.getElementById("fw-messages").textContent);
  var CFG = JSON.parse(document.getElementById("fw-config").textContent);
  var KINDS = ["conference", "activity"];
  var BATCH = 200;
  var pendingCount = 0;
  var leavingOnPurpose = false;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }

  function byId(id) { return document.getElementById(id); }

  function newId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function localToday() {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  // --- the outbox (IndexedDB) ----------------------------------------------------------------

  var DB_NAME = "bhxh-fieldwork";
  var STORE = "outbox";
  var dbPromise = null;
  var hasIdb = "indexedDB" in window;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "device_id" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function withStore(mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = action(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  var outbox = {
    all: function () { return withStore("readonly", function (s) { return s.getAll(); }); },
    get: function (id) { return withStore("readonly", function (s) { return s.get(id); }); },
    put: function (record) { return withStore("readwrite", function (s) { return s.put(record); }); },
    remove: function (id) { return withStore("readwrite", function (s) { return s.delete(id); }); },
  };

  function mine(records) {
    return records.filter(function (r) { return r.user_id === CFG.userId; });
  }

  // --- the status bar and the home page's list ------------------------------------------------

  function render() {
    var net = byId("fw-net");
    if (net) {
      net.textContent = navigator.onLine ? M.online : M.offline;
      net.className = "fw-net " + (navigator.onLine ? "is-online" : "is-offline");
    }
    if (!hasIdb) {
      if (net) { net.textContent = M.no_storage; }
      return Promise.resolve();
    }
    return outbox.all().then(function (all) {
      var records = mine(all);
      var pending = records.filter(function (r) { return r.state === "pending"; });
      var rejected = records.filter(function (r) { return r.state === "rejected"; });
      pendingCount = pending.length + rejected.length;
      var queue = byId("fw-queue");
      if (queue) {
        queue.dataset.count = String(pending.length);
        queue.textContent = fmt(M.waiting_one, { n: pending.length });
        queue.classList.toggle("d-none", pending.length === 0);
      }
      var bad = byId("fw-rejected");
      if (bad) {
        bad.textContent = fmt(M.rejected, { n: rejected.length });
        bad.classList.toggle("d-none", rejected.length === 0);
      }
      var homeCount = byId("fw-home-count");
      if (homeCount) { homeCount.textContent = String(pending.length); }
      var send = byId("fw-send-now");
      if (send) { send.classList.toggle("d-none", pending.length === 0 || !navigator.onLine); }
      var list = byId("fw-local-list");
      if (list) {
        list.textContent = "";
        records.forEach(function (r) { list.appendChild(localItem(r)); });
      }
    });
  }

  function reasons(record) {
    return Object.keys(record.errors || {}).map(function (k) { return record.errors[k]; }).join(" ");
  }

  /* A rejected entry is never sent again as it is: the agent fixes it (the form opens with the
     server's reasons) or discards it. */
  function discard(record) {
    if (!window.confirm(fmt(M.discard_confirm, { what: (M[record.kind] || record.kind) + " · " + (record.summary || "") }))) {
      return Promise.resolve(false);
    }
    return outbox.remove(record.device_id).then(render).then(function () { return true; });
  }

  function localItem(record) {
    var li = document.createElement("li");
    li.className = "list-group-item" + (record.state === "rejected" ? " list-group-item-danger" : "");
    li.dataset.deviceId = record.device_id;
    li.dataset.state = record.state;
    var title = document.createElement("div");
    title.textContent = (M[record.kind] || record.kind) + " · " + (record.summary || "");
    li.appendChild(title);
    if (record.state === "rejected") {
      var badge = document.createElement("span");
      badge.className = "badge bg-danger ms-1 fw-needs-fix";
      badge.textContent = M.needs_fix;
      title.appendChild(badge);
      var why = document.createElement("div");
      why.className = "small fw-reason";
      why.textContent = reasons(record);
      li.appendChild(why);
      var fix = document.createElement("a");
      fix.className = "btn btn-sm btn-outline-danger mt-1 me-2 fw-fix";
      fix.href = CFG.forms[record.kind] + "?local=" + encodeURIComponent(record.device_id);
      fix.textContent = M.fix;
      li.appendChild(fix);
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "btn btn-sm btn-outline-secondary mt-1 fw-discard";
      drop.textContent = M.discard;
      drop.addEventListener("click", function () { discard(record); });
      li.appendChild(drop);
    }
    return li;
  }

  // --- sending ---------------------------------------------------------------------------------

  var flushing = null;

  function flush() {
    if (!flushing) {
      flushing = sendPending().then(function (outcome) {
        flushing = null;
        return render().then(function () { return outcome; });
      }, function (err) {
        flushing = null;
        render();
        return { failed: true, error: err };
      });
    }
    return flushing;
  }

  function freshToken() {
    return fetch(CFG.sessionUrl, {
      credentials: "same-origin", cache: "no-store", redirect: "manual",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("json") < 0) {
        return null;
      }
      return response.json().then(function (info) {
        return info.user_id === CFG.userId ? info.csrf_token : null;
      });
    });
  }

  /* The server could not take the request at all, or the sign-in is gone: keep the entries
     waiting and try again later. Any other refusal of a whole request (a server error, 500) is
     put down to its entries: a batch is sent again one entry at a time, and an entry the server
     still fails on alone is marked "needs fixing" with the reason, never retried for ever. */
  var TRY_LATER = [401, 403, 404, 405, 408, 429, 502, 503, 504];

  function sendBatch(kind, chunk, token, answers) {
    return fetch(CFG.api[kind], {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify(chunk.map(function (r) { return r.payload; })),
    }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (body) { return keepAnswers(chunk, body.results, answers); });
      }
      if (TRY_LATER.indexOf(response.status) >= 0 || response.status < 400) {
        throw new Error("HTTP " + response.status);
      }
      if (chunk.length > 1) {
        return chunk.reduce(function (chain, record) {
          return chain.then(function () { return sendBatch(kind, [record], token, answers); });
        }, Promise.resolve());
      }
      var errors = { entry: fmt(M.server_error, { code: response.status }) };
      return keepAnswers(chunk, [{ device_id: chunk[0].device_id, status: "rejected", errors: errors }], answers);
    });
  }

  function keepAnswers(chunk, results, answers) {
    return Promise.all(results.map(function (result, i) {
      var record = chunk[i];
      answers[record.device_id] = result;
      if (result.status === "rejected") {
        record.state = "rejected";
        record.errors = result.errors || {};
        return outbox.put(record);
      }
      return outbox.remove(record.device_id);
    }));
  }

  function sendPending() {
    if (!hasIdb || !navigator.onLine) {
      return Promise.resolve({ offline: true, answers: {} });
    }
    return outbox.all().then(function (all) {
      var pending = mine(all).filter(function (r) { return r.state === "pending"; });
      if (!pending.length) {
        return { answers: {} };
      }
      return freshToken().then(function (token) {
        if (!token) {
          note(M.signin_needed, "warning");
          return { signin: true, answers: {} };
        }
        var answers = {};
        var chain = Promise.resolve();
        KINDS.forEach(function (kind) {
          var ofKind = pending.filter(function (r) { return r.kind === kind; });
          for (var i = 0; i < ofKind.length; i += BATCH) {
            (function (chunk) {
              chain = chain.then(function () { return sendBatch(kind, chunk, token, answers); });
            })(ofKind.slice(i, i + BATCH));
          }
        });
        return chain.then(function () { return { answers: answers }; },
                          function () { return { failed: true, answers: answers }; });
      });
    }, function () { return { failed: true, answers: {} }; });
  }

  // --- the entry forms ---------------------------------------------------------------------------

  function note(text, level) {
    var box = byId("fw-result");
    if (!box) { return; }
    box.textContent = text;
    box.className = "alert py-2 alert-" + level;
  }

  function collect(form) {
    var payload = {};
    if (form.dataset.fwKind === "conference") {
      payload.audience_groups = [];
    }
    new FormData(form).forEach(function (value, key) {
      if (key === "csrf_token") { return; }
      if (key === "audience_groups") { payload.audience_groups.push(value); } else { payload[key] = value; }
    });
    return payload;
  }

  function fill(form, payload) {
    Object.keys(payload).forEach(function (key) {
      if (key === "audience_groups") {
        form.querySelectorAll("input[name=audience_groups]").forEach(function (box) {
          box.checked = payload.audience_groups.indexOf(box.value) >= 0;
        });
        return;
      }
      var input = form.elements.namedItem(key);
      if (input && "value" in input) { input.value = payload[key]; }
    });
  }

  function clearErrors(form) {
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
  }

  function showErrors(form, errors) {
    var loose = [];
    Object.keys(errors).forEach(function (key) {
      var slot = form.querySelector("[data-error-for='" + key + "']");
      var input = byId("f-" + key);
      if (slot) {
        slot.textContent = errors[key];
        if (input) { input.classList.add("is-invalid"); }
      } else {
        loose.push(errors[key]);
      }
    });
    var first = form.querySelector(".is-invalid");
    if (first) { first.scrollIntoView({ block: "center" }); first.focus({ preventScroll: true }); }
    return loose;
  }

  var GROUPED = /^[+-]?\d{1,3}(?:(?:\.\d{3})+|(?:,\d{3})+|(?: \d{3})+)$/;

  /* As the server reads it: ASCII digits (JS \d is ASCII), 1.234.567 / 1,234,567 / 1 234 567,
     at most the field's declared maximum (money or a count: CFG.limits). */
  function number(payload, key, errors, money) {
    var text = String(payload[key] == null ? "" : payload[key]).replace(/\u00a0/g, " ").trim();
    if (text === "") { return 0; }
    if (GROUPED.test(text)) { text = text.replace(/[., ]/g, ""); }
    if (!/^[+-]?\d+$/.test(text)) { errors[key] = M.not_integer; return 0; }
    var value = parseInt(text, 10);
    var most = money ? CFG.limits.money : CFG.limits.count;
    if (value < 0) { errors[key] = M.negative; }
    else if (value > most) { errors[key] = fmt(M.too_large, { max: most.toLocaleString("vi-VN") }); }
    return value;
  }

  /* The server's main rules, for instant feedback; the server still decides. */
  function check(kind, p) {
    var errors = {};
    var day = kind === "conference" ? "held_on" : "done_on";
    if (!p.commune_id) { errors.commune_id = M.need_commune; }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(p[day] || "")) { errors[day] = M.bad_date; }
    else if (p[day] > localToday()) { errors[day] = M.future; }
    var n = {};
    form.querySelectorAll("[data-fw-number]").forEach(function (input) {
      n[input.name] = number(p, input.name, errors, input.hasAttribute("data-money"));
    });
    if (kind === "conference") {
      if (!p.format) { errors.format = M.need_format; }
      if (!errors.attendees) {
        if (n.attendees === 0) { errors.attendees = M.need_attendees; }
        if (n.attendees_men + n.attendees_women > n.attendees) { errors.attendees_women = errors.attendees_women || M.men_women_over; }
        if (n.attendees_ethnic_minority > n.attendees) { errors.attendees_ethnic_minority = errors.attendees_ethnic_minority || M.minority_over; }
        if (n.reg_voluntary_si + n.reg_household_hi > n.attendees) { errors.reg_household_hi = errors.reg_household_hi || M.reg_over; }
      }
    } else if (!Object.keys(errors).length) {
      if (n.receipts_issued === 0 && n.amount_collected_vnd > 0) { errors.receipts_issued = M.receipts_needed; }
      if (n.receipts_amount_vnd > n.amount_collected_vnd) { errors.receipts_amount_vnd = M.receipts_over; }
    }
    return errors;
  }

  function summary(form, kind, p) {
    var commune = form.elements.namedItem("commune_id");
    var name = commune && commune.selectedIndex >= 0 ? commune.options[commune.selectedIndex].text : "";
    var day = (kind === "conference" ? p.held_on : p.done_on) || "";
    var parts = day.split("-");
    return (parts.length === 3 ? parts[2] + "/" + parts[1] + "/" + parts[0] : day) + " · " + name;
  }

  function startNew(form) {
    form.reset();
    clearErrors(form);
    form.elements.namedItem("device_id").value = newId();
    var day = form.elements.namedItem(form.dataset.fwKind === "conference" ? "held_on" : "done_on");
    day.value = localToday();
    day.max = localToday();
    var where = byId("fw-location-text");
    if (where) { where.textContent = ""; }
    ["latitude", "longitude", "accuracy_m"].forEach(function (k) {
      var input = form.elements.namedItem(k);
      if (input) { input.value = ""; }
    });
  }

  var form = byId("fw-form");

  function initForm() {
    var kind = form.dataset.fwKind;
    var params = new URLSearchParams(window.location.search);
    var local = params.get("local");
    var editing = !!local || params.has("edit");
    if (local && hasIdb) {
      outbox.get(local).then(function (record) {
        if (record && record.user_id === CFG.userId) {
          fill(form, record.payload);
          var loose = showErrors(form, record.errors || {});
          note([M.rejected_one].concat(loose).join(" "), "danger");
          var drop = byId("fw-discard");
          if (drop && record.state === "rejected") {
            drop.classList.remove("d-none");
            drop.addEventListener("click", function () {
              discard(record).then(function (gone) {
                if (gone) {
                  leavingOnPurpose = true;
                  window.location.assign(CFG.home);
                }
              });
            });
          }
        }
      });
    } else if (form.dataset.fresh) {
      startNew(form); // a new id even when the page came from the service worker's cache
    }

    form.addEventListener("submit", function (event) {
      if (!hasIdb) {
        return; // no storage on this browser: the form posts to the server as a plain page
      }
      event.preventDefault();
      var payload = collect(form);
      clearErrors(form);
      var errors = check(kind, payload);
      if (Object.keys(errors).length) {
        showErrors(form, errors);
        note(M.fix_errors, "danger");
        return;
      }
      var record = {
        device_id: payload.device_id, kind: kind, user_id: CFG.userId, payload: payload, state: "pending",
        errors: {}, saved_at: new Date().toISOString(), summary: summary(form, kind, payload),
      };
      var button = byId("fw-save");
      button.disabled = true;
      outbox.put(record).then(render).then(function () {
        if (!navigator.onLine) {
          note(M.saved_offline, "warning");
          startNew(form);
          return null;
        }
        note(M.sending, "info");
        return flush().then(function (outcome) {
          if (!outcome.answers[record.device_id] && !outcome.failed && !outcome.signin && !outcome.offline) {
            return flush(); // a send that began before this entry was stored: send again
          }
          return outcome;
        }).then(function (outcome) {
          var answer = outcome.answers[record.device_id];
          if (!answer) {
            note(outcome.signin ? M.signin_needed : M.send_failed, "warning");
            startNew(form);
          } else if (answer.status === "rejected") {
            var loose = showErrors(form, answer.errors || {});
            note([M.rejected_one].concat(loose).join(" "), "danger");
          } else {
            note(answer.status === "accepted" ? M.sent : M[answer.status], "success");
            if (editing) {
              leavingOnPurpose = true;
              window.location.assign(CFG.home);
            } else {
              startNew(form);
            }
          }
        });
      }).catch(function () {
        note(M.send_failed, "warning");
      }).then(function () { button.disabled = false; });
    });

    var locate = byId("fw-locate");
    if (locate && "geolocation" in navigator) {
      locate.classList.remove("d-none");
      locate.addEventListener("click", function () {
        var text = byId("fw-location-text");
        text.textContent = M.locating;
        navigator.geolocation.getCurrentPosition(function (pos) {
          var c = pos.coords;
          form.elements.namedItem("latitude").value = c.latitude.toFixed(6);
          form.elements.namedItem("longitude").value = c.longitude.toFixed(6);
          form.elements.namedItem("accuracy_m").value = Math.round(c.accuracy);
          text.textContent = fmt(M.located, { lat: c.latitude.toFixed(5), lon: c.longitude.toFixed(5),
                                              acc: Math.round(c.accuracy) });
        }, function () { text.textContent = M.no_location; }, { enableHighAccuracy: true, timeout: 20000 });
      });
    }
  }

  // --- keeping the storage, warning before leaving -------------------------------------------------

  function askToKeepStorage() {
    var out = byId("fw-persist");
    if (!navigator.storage || !navigator.storage.persist) {
      if (out) { out.textContent = M.persist_unknown; }
      return;
    }
    var asked = false;
    try { asked = localStorage.getItem("fw-persist-asked") === "1"; } catch (e) { /* private mode */ }
    var ask = asked ? navigator.storage.persisted() : navigator.storage.persist();
    ask.then(function (granted) {
      try { localStorage.setItem("fw-persist-asked", "1"); } catch (e) { /* private mode */ }
      if (out) {
        out.textContent = granted ? M.persist_granted : M.persist_denied;
        out.dataset.persisted = granted ? "1" : "0";
      }
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (pendingCount > 0 && !leavingOnPurpose) {
      event.preventDefault();
      event.returnValue = M.leave_warning;
      return M.leave_warning;
    }
  });

  // Moving between the field pages keeps the entries on the device: no warning for those links.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (link && link.origin === window.location.origin &&
        (link.pathname === CFG.home || link.pathname.indexOf(CFG.home + "/") === 0)) {
      leavingOnPurpose = true;
      setTimeout(function () { leavingOnPurpose = false; }, 1000);
    }
  });

  document.querySelectorAll("form[action$='/auth/logout']").forEach(function (signOut) {
    signOut.addEventListener("submit", function (event) {
      event.preventDefault();
      if (pendingCount > 0 && !window.confirm(fmt(M.signout_warning, { n: pendingCount }))) {
        return;
      }
      leavingOnPurpose = true;
      var controller = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (controller) { controller.postMessage("forget-pages"); }
      signOut.submit();
    });
  });

  // --- start ---------------------------------------------------------------------------------------

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(CFG.swUrl, { scope: "/" }).catch(function () { /* http: no offline pages */ });
  }
  window.addEventListener("online", function () { flush(); });
  window.addEventListener("offline", render);
  var sendNow = byId("fw-send-now");
  if (sendNow) { sendNow.addEventListener("click", function () { flush(); }); }
  if (form) { initForm(); }
  askToKeepStorage();
  render().then(function () { return flush(); });
  setInterval(function () { if (pendingCount > 0 && navigator.onLine) { flush(); } }, 60000);

  window.fieldwork = { flush: flush, outbox: outbox, render: render };
})();
