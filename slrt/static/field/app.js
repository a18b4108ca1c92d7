/* SLRT Lapangan: the facilitator's offline app (docs/field-app.md).
   Data lives in IndexedDB (idb-keyval): the snapshot of Desa saya, the token
   pair and the queue of what was done offline. Each queued item carries its
   own Idempotency-Key, so a retry, a lost answer or a second tab never
   creates anything twice on the server. A refused item stays with its reason
   until the facilitator deals with it. Logout, a revoked login or 14 days
   without a sync wipe everything. */
(function () {
  "use strict";
  var B = document.body, API = B.dataset.api, kv = window.idbKeyval;
  var PROVINCES = new Set(B.dataset.provinces.split(" "));
  var DAY = 864e5, KEEP_DAYS = 14, RETRY_MS = 30000, PHOTO_MAX = 300 * 1024, PHOTO_SIDE = 1280;
  var root = document.getElementById("app");
  var S = {auth: null, snap: null, meta: {}, queue: [], msg: "", msgKind: "info",
           syncing: false, view: ["desa"]};

  // ------------------------------------------------------------------ DOM
  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") el.textContent = v;
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
      else if (k === "value") el.value = v;
      else if (k === "checked") el.checked = true;
      else el.setAttribute(k, v === true ? "" : v);
    });
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) kid.forEach(function (k) { add(el, k); });
    else el.appendChild(typeof kid === "string" ? document.createTextNode(kid) : kid);
  }
  function field(label, input, hint) {
    var id = input.id || ("f-" + Math.random().toString(36).slice(2));
    input.id = id;
    return h("p", {class: "field"}, h("label", {for: id, text: label}), input,
             hint ? h("small", {text: hint}) : null);
  }
  function button(text, on, cls) {
    return h("button", {type: "button", class: cls || "", onclick: on, text: text});
  }
  function when(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString("id-ID", {dateStyle: "medium", timeStyle: "short",
                                                   timeZone: "Asia/Jakarta"}) + " WIB";
  }
  function localNow() {
    var d = new Date(), p = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" +
           p(d.getHours()) + ":" + p(d.getMinutes());
  }
  // The interface's words: written here in Indonesian as _("…") and extracted
  // for the translators with the rest of the app (babel.cfg); the page hands
  // over a translation where there is one (slrt/outreach/views.py).
  var WORDS = JSON.parse(document.getElementById("teks").textContent || "{}");
  function _(text, params) {
    return (WORDS[text] || text).replace(/%\((\w+)\)s/g, function (m, k) {
      return params && k in params ? params[k] : m;
    });
  }
  function say(text, kind) { S.msg = text; S.msgKind = kind || "info"; render(); }

  // ------------------------------------------------------------------ NIK
  // The structure of a NIK as slrt/identity.py checks it: 16 digits, a known
  // province, DDMMYY with day + 40 for women, a real date, serial not 0000.
  var SEP = /[\s\x1c-\x1f\x85\u00a0\u200b-\u200d\u2060\ufeff.\-\u2010-\u2015\u2212]/g;
  var MONTHS = ["", _("Januari"), _("Februari"), _("Maret"), _("April"), _("Mei"), _("Juni"),
                _("Juli"), _("Agustus"), _("September"), _("Oktober"), _("November"),
                _("Desember")];
  function daysIn(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }
  function checkNik(text, today) {
    text = String(text || "");
    var digits = text.replace(SEP, "");
    if (!digits) return _("NIK kosong.");
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (!/[0-9]/.test(c) && c.replace(SEP, "") !== "") {
        return _("NIK hanya boleh berisi angka, tetapi ada \"%(char)s\" di posisi ke-%(n)s.",
                 {char: c, n: i + 1});
      }
    }
    if (digits.length !== 16) return _("NIK harus 16 angka; yang diisi %(n)s angka.", {n: digits.length});
    var prov = digits.slice(0, 2);
    if (!PROVINCES.has(prov)) return _("Kode provinsi %(code)s pada NIK tidak dikenal.", {code: prov});
    var day = +digits.slice(6, 8), month = +digits.slice(8, 10), yy = +digits.slice(10, 12);
    if (day >= 41 && day <= 71) day -= 40;
    else if (day < 1 || day > 31) {
      return _("Kode tanggal lahir %(code)s dalam NIK tidak sah: untuk laki-laki harus 01-31, untuk perempuan 41-71 (tanggal lahir ditambah 40).",
               {code: digits.slice(6, 8)});
    }
    if (month < 1 || month > 12) {
      return _("Bulan lahir %(code)s dalam NIK tidak sah (harus 01-12).", {code: digits.slice(8, 10)});
    }
    today = today || new Date();
    var t = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
    var year = 2000 + yy;
    if (day <= daysIn(year, month)) {
      if (Date.UTC(year, month - 1, day) > t) {
        year -= 100;
        if (day > daysIn(year, month)) {
          return noSuchDate(day, month, year);
        }
      }
    } else {
      if (Date.UTC(year, month - 1, daysIn(year, month)) > t) year -= 100;
      return noSuchDate(day, month, year);
    }
    if (digits.slice(12) === "0000") return _("Nomor urut NIK 0000 tidak sah.");
    return null;
  }
  function noSuchDate(day, month, year) {
    return _("Tanggal lahir dalam NIK tidak ada: %(day)s %(month)s %(year)s.",
             {day: day, month: MONTHS[month], year: year});
  }

  // ------------------------------------------------------------------ photo
  // Resized on the phone to at most ~300 KB; drawing on a canvas and encoding
  // again leaves the EXIF (place, phone) behind. The server cleans it again.
  function resizePhoto(file) {
    return createImageBitmap(file).then(function (img) {
      var scale = Math.min(1, PHOTO_SIDE / Math.max(img.width, img.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      var attempt = function (quality) {
        return new Promise(function (ok) { canvas.toBlob(ok, "image/jpeg", quality); })
          .then(function (blob) {
            if (blob.size <= PHOTO_MAX || quality <= 0.35) {
              if (blob.size <= PHOTO_MAX) return blob;
              canvas.width = Math.round(canvas.width * 0.7);
              canvas.height = Math.round(canvas.height * 0.7);
              canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
              return attempt(0.7);
            }
            return attempt(quality - 0.15);
          });
      };
      return attempt(0.8);
    });
  }

  // ------------------------------------------------------------------ storage
  function Revoked(message) { this.message = message; }
  function Offline() {}

  function loadQueue() {
    return kv.entries().then(function (rows) {
      S.queue = rows.filter(function (r) { return String(r[0]).indexOf("q:") === 0; })
        .map(function (r) { return r[1]; })
        .sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    });
  }
  function saveItem(item) {
    return kv.set("q:" + item.key, item).then(loadQueue);
  }
  function newKey() {
    return "lapangan-" + (crypto.randomUUID ? crypto.randomUUID()
                          : Date.now() + "-" + Math.random().toString(36).slice(2));
  }

  function wipe(reason) {
    S.auth = null; S.snap = null; S.meta = {}; S.queue = []; S.view = ["desa"];
    var jobs = [kv.clear()];
    if (window.caches) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.map(function (n) { return caches.delete(n); }));
      }));
    }
    if (navigator.serviceWorker) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (regs) {
        return Promise.all(regs.map(function (r) { return r.unregister(); }));
      }));
    }
    return Promise.all(jobs).then(function () {
      B.dataset.wiped = "1";
      say(reason, "warning");
    });
  }

  // ------------------------------------------------------------------ API
  function setAuth(t) {
    S.auth = {access: t.access_token, refresh: t.refresh_token,
              exp: Date.now() + (t.expires_in - 30) * 1000, username: S.auth && S.auth.username};
    return kv.set("auth", S.auth);
  }
  function refresh() {
    return fetch(API + "/auth/refresh", {method: "POST", headers: {"Content-Type": "application/json"},
                                          body: JSON.stringify({refresh_token: S.auth.refresh})})
      .catch(function () { throw new Offline(); })
      .then(function (r) {
        if (r.ok) return r.json().then(setAuth);
        if (r.status >= 400 && r.status < 500 && r.status !== 429) {
          throw new Revoked(_("Login Anda sudah berakhir atau dicabut. Data di ponsel ini sudah dihapus; masuk lagi untuk melanjutkan."));
        }
        throw new Offline();
      });
  }
  function call(method, path, body, key) {
    var go = function () {
      var headers = {Authorization: "Bearer " + S.auth.access};
      if (key) headers["Idempotency-Key"] = key;
      var payload = body;
      if (body && !(body instanceof FormData)) {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(body);
      }
      return fetch(API + path, {method: method, headers: headers, body: payload})
        .catch(function () { throw new Offline(); });
    };
    var ready = S.auth.exp > Date.now() ? Promise.resolve() : refresh();
    return ready.then(go).then(function (r) {
      if (r.status !== 401) return r;
      return refresh().then(go).then(function (again) {
        if (again.status === 401) throw new Revoked(_("Login Anda dicabut. Data di ponsel ini sudah dihapus."));
        return again;
      });
    });
  }

  function send(item) {
    var body = item.fields;
    if (item.photo) {
      body = new FormData();
      Object.keys(item.fields).forEach(function (k) {
        var v = item.fields[k];
        if (v !== null && v !== undefined && v !== "") body.append(k, String(v));
      });
      body.append("photo", item.photo, "foto.jpg");
    }
    return call("POST", item.path, body, item.key);
  }

  function refusal(item, r) {
    return r.json().catch(function () { return {}; }).then(function (p) {
      var details = (p.errors || []).map(function (e) { return e.message; })
        .filter(function (m, i, all) { return m && m !== p.detail && all.indexOf(m) === i; });
      item.status = "ditolak";
      item.code = r.status;
      item.reason = p.detail || p.title || _("Ditolak server (%(status)s).", {status: r.status});
      item.details = details;
      item.fieldsRefused = (p.errors || []).map(function (e) { return e.field; });
      item.existingCase = p.existing_case || null;
      return saveItem(item);
    });
  }

  function syncOnce() {
    var sent = 0;
    var next = function (items) {
      if (!items.length) return Promise.resolve();
      var item = items[0];
      return send(item).then(function (r) {
        if (r.ok) { sent++; return kv.del("q:" + item.key).then(function () { return next(items.slice(1)); }); }
        if (r.status === 429 || r.status >= 500) throw new Offline();
        return refusal(item, r).then(function () { return next(items.slice(1)); });
      });
    };
    return loadQueue().then(function () {
      return next(S.queue.filter(function (i) { return i.status === "menunggu"; }));
    }).then(function () {
      return call("GET", "/outreach/snapshot");
    }).then(function (r) {
      if (!r.ok) throw new Offline();
      return r.json();
    }).then(function (snap) {
      S.snap = snap;
      S.meta.lastSync = new Date().toISOString();
      return Promise.all([kv.set("snapshot", snap), kv.set("meta", S.meta)]);
    }).then(function () { return sent; });
  }

  function sync() {
    if (S.syncing) { S.again = true; return Promise.resolve(); }  // once this one ends
    if (!S.auth) return Promise.resolve();
    if (!navigator.onLine) { say(_("Tidak ada sinyal. Data dikirim otomatis saat sinyal kembali.")); return Promise.resolve(); }
    S.syncing = true; render();
    // One tab at a time; the server's Idempotency-Key covers what the lock cannot.
    var run = function () { return syncOnce(); };
    var job = navigator.locks ? navigator.locks.request("slrt-lapangan-sync", run) : run();
    return job.then(function (count) {
      S.syncing = false;
      S.sent = (S.sent || 0) + count;
      if (S.again) { S.again = false; return sync(); }  // something was queued meanwhile
      var sent = S.sent;
      S.sent = 0;
      return loadQueue().then(function () {
        var refused = S.queue.filter(function (i) { return i.status === "ditolak"; }).length;
        say((sent ? _("Sinkron selesai: %(n)s item terkirim.", {n: sent}) : _("Sinkron selesai.")) +
            (refused ? " " + _("%(n)s item ditolak; lihat alasannya di bawah.", {n: refused}) : ""),
            refused ? "warning" : "success");
      });
    }, function (e) {
      S.syncing = false;
      S.again = false;
      S.sent = 0;
      if (e instanceof Revoked) return wipe(e.message);
      // The signal comes and goes without the phone saying so: try again soon.
      if (!S.retry) S.retry = setTimeout(function () { S.retry = null; sync(); }, RETRY_MS);
      return loadQueue().then(function () {
        say(_("Sinyal terputus saat sinkron. Yang belum terkirim tetap tersimpan dan dikirim lagi nanti."),
            "warning");
      });
    });
  }

  // ------------------------------------------------------------------ views
  function statusBar() {
    var waiting = S.queue.filter(function (i) { return i.status === "menunggu"; }).length;
    var refused = S.queue.filter(function (i) { return i.status === "ditolak"; }).length;
    return h("section", {class: "status", "aria-label": _("Status sinkron")},
      h("p", null, h("strong", {id: "jumlah-menunggu", text: String(waiting)}), " " + _("item menunggu dikirim"),
        refused ? h("span", {class: "refused", text: " · " + _("%(n)s ditolak", {n: refused})}) : null),
      h("p", {id: "sinkron-terakhir", text: _("Sinkron terakhir: %(when)s",
                                            {when: S.meta.lastSync ? when(S.meta.lastSync) : _("belum pernah")})}),
      h("p", {class: "actions"},
        button(S.syncing ? _("Menyinkronkan…") : _("Sinkronkan"), sync, "primary"),
        button(_("Desa saya"), function () { go("desa"); }),
        button(_("Pengaduan baru"), function () { go("pengaduan"); }),
        button(_("Keluar"), logout, "quiet")));
  }

  function notice() {
    if (S.meta.noticeSeen) return null;
    return h("aside", {class: "notice", id: "pemberitahuan"},
      h("p", {text: _("Yang disimpan di ponsel ini: daftar Desa saya (nama warga, dusun, RT/RW, nomor HP dan ringkasan kasus di desa tugas Anda) dan kunjungan atau pengaduan yang belum terkirim, termasuk fotonya.")}),
      h("p", {text: _("Semuanya dihapus dari ponsel saat Anda keluar, bila login Anda dicabut, atau bila ponsel tidak sinkron selama 14 hari.")}),
      button(_("Mengerti"), function () { S.meta.noticeSeen = true; kv.set("meta", S.meta).then(render); }));
  }

  function queueView() {
    var refused = S.queue.filter(function (i) { return i.status === "ditolak"; });
    var waiting = S.queue.filter(function (i) { return i.status === "menunggu"; });
    if (!S.queue.length) return null;
    return h("section", {id: "antrean"},
      h("h2", {text: _("Belum terkirim")}),
      refused.length ? h("ul", {class: "refused-list"}, refused.map(refusedItem)) : null,
      waiting.length ? h("ul", {class: "waiting-list"}, waiting.map(function (i) {
        return h("li", {"data-key": i.key}, i.label, h("small", {text: " · " + _("disimpan %(when)s", {when: when(i.created)})}));
      })) : null);
  }

  function refusedItem(item) {
    var acts = [];
    if ((item.fieldsRefused || []).indexOf("task_id") >= 0) {
      acts.push(button(_("Catat tanpa tugas"), function () {
        delete item.fields.task_id;
        requeue(item, true);
      }, "primary"));
    } else if (item.existingCase) {
      acts.push(button(_("Tetap catat sebagai kasus baru"), function () {
        item.fields.allow_duplicate = true;
        requeue(item, true);
      }));
    }
    acts.push(button(_("Kirim lagi"), function () { requeue(item, false); }));
    acts.push(button(_("Buang"), function () {
      if (confirm(_("Buang isian ini dari ponsel? Isian yang dibuang tidak bisa dikembalikan."))) {
        kv.del("q:" + item.key).then(loadQueue).then(render);
      }
    }, "quiet"));
    return h("li", {class: "refused-item", "data-key": item.key},
      h("p", null, h("strong", {text: item.label})),
      h("p", {class: "reason", text: _("Ditolak: %(reason)s", {reason: item.reason})}),
      item.details && item.details.length ? h("ul", null, item.details.map(function (d) { return h("li", {text: d}); })) : null,
      h("p", {class: "what-now", text: _("Isian Anda tetap tersimpan di sini sampai Anda mengirim lagi atau membuangnya.")}),
      item.summary ? h("p", {class: "typed", text: item.summary}) : null,
      h("p", {class: "actions"}, acts));
  }

  function requeue(item, changed) {
    if (changed) {  // another body: another key, so the server does not mistake it for the first
      kv.del("q:" + item.key);
      item.key = newKey();
    }
    item.status = "menunggu"; item.reason = ""; item.details = []; item.fieldsRefused = [];
    saveItem(item).then(sync);
  }

  function person(r) {
    var where = [r.dusun, r.rt ? "RT " + r.rt : "", r.rw ? "RW " + r.rw : ""].filter(Boolean).join(" ");
    return [h("strong", {text: r.name}), " · " + r.nik_masked,
            h("br"), where || _("(alamat belum diisi)"), r.phone ? " · " + _("HP %(phone)s", {phone: r.phone}) : ""];
  }

  function desa() {
    var s = S.snap;
    if (!s) return h("p", {text: _("Belum ada data. Sinkronkan saat ada sinyal.")});
    return h("div", null,
      h("section", {id: "tugas"}, h("h2", {text: _("Tugas tindak lanjut (%(n)s)", {n: s.tasks.length})}),
        s.tasks.length ? h("ul", {class: "cards"}, s.tasks.map(function (t) {
          return h("li", {"data-case": t.case_number},
            h("p", null, person(t.resident)),
            h("p", null, h("span", {class: "case-number", text: t.case_number}), " · " + t.program_name),
            t.reason ? h("p", {text: t.reason}) : null,
            t.suggested_visit ? h("p", {text: _("Kunjungan berikutnya: %(when)s", {when: t.suggested_visit})}) : null,
            h("p", {class: "actions"},
              button(_("Catat kunjungan"), function () { go("kunjungan", t.case_id, t.id); }, "primary"),
              button(_("Ringkasan kasus"), function () { go("kasus", t.case_id); })));
        })) : h("p", {text: _("Tidak ada tugas.")})),
      h("section", {id: "menunggu"}, h("h2", {text: _("Warga yang rujukannya terlambat (%(n)s)", {n: s.waiting.length})}),
        h("ul", {class: "cards"}, s.waiting.map(function (w) {
          return h("li", {"data-case": w.case_number},
            h("p", null, person(w.resident)),
            h("p", null, h("span", {class: "case-number", text: w.case_number}), " · " + w.program_name +
              " · " + w.clock_label),
            h("p", {class: "actions"},
              button(_("Catat kunjungan"), function () { go("kunjungan", w.case_id, null); }, "primary"),
              button(_("Ringkasan kasus"), function () { go("kasus", w.case_id); })));
        }))));
  }

  function caseOf(id) {
    return (S.snap.cases || []).filter(function (c) { return c.id === id; })[0];
  }

  function caseView(id) {
    var c = caseOf(id);
    if (!c) return h("p", {text: _("Kasus ini tidak ada di data ponsel.")});
    return h("section", {id: "ringkasan"},
      h("h2", null, _("Kasus") + " ", h("span", {class: "case-number", text: c.number})),
      h("p", {text: c.category + " · " + c.status_label + " · " + _("dicatat %(when)s", {when: when(c.created_at)})}),
      h("p", {class: "description", text: c.description}),
      h("h3", {text: _("Rujukan")}),
      h("ul", null, c.referrals.map(function (r) {
        return h("li", {text: r.number + " · " + r.program_name + " · " + r.status_label +
                              (r.due_date ? " · " + _("batas %(date)s", {date: r.due_date}) : "")});
      })),
      h("h3", {text: _("Kunjungan terakhir")}),
      c.visits.length ? h("ul", null, c.visits.map(function (v) {
        return h("li", {text: when(v.visited_at) + " · " + v.outcome_label});
      })) : h("p", {text: _("Belum ada kunjungan.")}),
      h("p", {class: "actions"}, button(_("Catat kunjungan"), function () { go("kunjungan", id, null); }, "primary"),
        button(_("Kembali"), function () { go("desa"); })));
  }

  function visitForm(caseId, taskId) {
    var c = caseOf(caseId) || {number: "?"};
    var photo = null;
    var notes = h("textarea", {name: "notes", rows: "4", maxlength: "4000"});
    var at = h("input", {type: "datetime-local", name: "visited_at", value: localNow(), required: true});
    var lat = h("input", {name: "latitude", inputmode: "decimal", readonly: true});
    var lon = h("input", {name: "longitude", inputmode: "decimal", readonly: true});
    var gpsNote = h("small", {role: "status"});
    var preview = h("img", {alt: _("Pratinjau foto"), hidden: true, class: "preview"});
    var photoNote = h("small", {role: "status"});
    var sure = h("input", {type: "checkbox", name: "confirm", id: "yakin"});
    var sureBox = h("p", {class: "field confirm", hidden: true}, sure,
      h("label", {for: "yakin", text: _("Saya yakin: warga ini pindah atau meninggal. Laporan ini mengusulkan penonaktifan data DTKS-nya.")}));
    var outcomes = h("fieldset", null, h("legend", {text: _("Hasil kunjungan")}),
      S.snap.outcomes.map(function (o, i) {
        var input = h("input", {type: "radio", name: "outcome", value: o.code, id: "hasil-" + i,
                                onchange: function () {
                                  sureBox.hidden = ["pindah", "meninggal"].indexOf(o.code) < 0;
                                }});
        return h("p", {class: "choice"}, input, h("label", {for: "hasil-" + i, text: o.label}));
      }));
    var file = h("input", {type: "file", name: "photo", accept: "image/*", capture: "environment",
      onchange: function () {
        if (!file.files[0]) return;
        photoNote.textContent = _("Memperkecil foto…");
        resizePhoto(file.files[0]).then(function (blob) {
          photo = blob;
          preview.src = URL.createObjectURL(blob);
          preview.hidden = false;
          photoNote.textContent = _("Foto siap: %(kb)s KB, tanpa data lokasi.", {kb: Math.round(blob.size / 1024)});
        }, function () { photoNote.textContent = _("Foto ini tidak bisa dibaca; coba foto lain."); });
      }});
    var error = h("p", {class: "error", role: "alert", hidden: true});
    var form = h("form", {class: "visit", novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      var chosen = form.querySelector("input[name=outcome]:checked");
      var problem = !chosen ? _("Pilih hasil kunjungan.") : !at.value ? _("Isi waktu kunjungan.") : null;
      var moved = chosen && ["pindah", "meninggal"].indexOf(chosen.value) >= 0;
      if (!problem && moved && !notes.value.trim()) problem = _("Tuliskan kapan dan dari siapa kabar pindah/meninggal itu diketahui.");
      if (!problem && moved && !sure.checked) problem = _("Centang \"Saya yakin\" untuk melaporkan warga pindah atau meninggal.");
      if (problem) { error.textContent = problem; error.hidden = false; return; }
      var label = chosen.parentNode.querySelector("label").textContent;
      var item = {key: newKey(), kind: "kunjungan", created: new Date().toISOString(), status: "menunggu",
        path: "/outreach/cases/" + caseId + "/visits", photo: photo,
        label: _("Kunjungan %(number)s · %(outcome)s", {number: c.number, outcome: label}) +
               (photo ? " · " + _("dengan foto") : ""),
        summary: notes.value.trim(),
        fields: {outcome: chosen.value, visited_at: at.value, notes: notes.value.trim(),
                 task_id: taskId || undefined, latitude: lat.value ? +lat.value : undefined,
                 longitude: lon.value ? +lon.value : undefined, confirm: moved ? true : undefined}};
      if (!taskId) delete item.fields.task_id;
      Object.keys(item.fields).forEach(function (k) { if (item.fields[k] === undefined) delete item.fields[k]; });
      saveItem(item).then(function () {
        go("desa");
        say(_("Kunjungan disimpan di ponsel; dikirim saat ada sinyal."), "success");
        if (navigator.onLine) sync();
      });
    }},
      h("h2", null, _("Kunjungan") + " ", h("span", {class: "case-number", text: c.number})),
      outcomes,
      field(_("Catatan"), notes, _("Untuk pindah/meninggal: kapan dan dari siapa kabar itu diketahui.")),
      sureBox,
      field(_("Waktu kunjungan"), at),
      h("p", {class: "field"}, button(_("Gunakan lokasi saya"), function () {
        if (!navigator.geolocation) { gpsNote.textContent = _("Ponsel ini tidak memberi lokasi."); return; }
        gpsNote.textContent = _("Mencari lokasi…");
        navigator.geolocation.getCurrentPosition(function (pos) {
          lat.value = pos.coords.latitude.toFixed(6);
          lon.value = pos.coords.longitude.toFixed(6);
          gpsNote.textContent = _("Lokasi tercatat (±%(m)s m).", {m: Math.round(pos.coords.accuracy)});
        }, function () { gpsNote.textContent = _("Lokasi tidak didapat; kunjungan tetap bisa disimpan."); },
        {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
      }), gpsNote),
      field(_("Lintang"), lat), field(_("Bujur"), lon),
      field(_("Foto (opsional)"), file), photoNote, preview,
      error,
      h("p", {class: "actions"}, h("button", {type: "submit", class: "primary", text: _("Simpan kunjungan")}),
        button(_("Batal"), function () { go("desa"); })));
    return form;
  }

  function complaintForm() {
    var s = S.snap;
    var inputs = {};
    var text = function (name, label, attrs, hint) {
      inputs[name] = h("input", Object.assign({name: name}, attrs || {}));
      return field(label, inputs[name], hint);
    };
    var select = function (name, label, options) {
      inputs[name] = h("select", {name: name}, options.map(function (o) {
        return h("option", {value: o.code, text: o.label});
      }));
      return field(label, inputs[name]);
    };
    inputs.description = h("textarea", {name: "description", rows: "4", maxlength: "4000"});
    var nikNote = h("small", {role: "status", class: "nik-check"});
    var error = h("p", {class: "error", role: "alert", hidden: true});
    var form = h("form", {class: "complaint", novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      var v = {};
      Object.keys(inputs).forEach(function (k) { v[k] = inputs[k].value.trim(); });
      var problem = !v.description ? _("Tuliskan pengaduannya.") : !v.name ? _("Isi nama warga.") : null;
      if (!problem && v.nik) problem = checkNik(v.nik);
      if (problem) { error.textContent = problem; error.hidden = false; return; }
      var fields = {village_code: v.village_code, category_code: v.category_code,
                    description: v.description, channel: "penjangkauan", urgency: v.urgency,
                    name: v.name};
      ["nik", "dusun", "rt", "rw", "phone", "address"].forEach(function (k) { if (v[k]) fields[k] = v[k]; });
      var village = s.villages.filter(function (x) { return x.code === v.village_code; })[0];
      var item = {key: newKey(), kind: "pengaduan", created: new Date().toISOString(), status: "menunggu",
                  path: "/complaints", photo: null, fields: fields, summary: v.description,
                  label: _("Pengaduan baru · %(name)s · %(village)s",
                           {name: v.name, village: village ? village.label : v.village_code})};
      saveItem(item).then(function () {
        go("desa");
        say(_("Pengaduan disimpan di ponsel; dikirim saat ada sinyal."), "success");
        if (navigator.onLine) sync();
      });
    }},
      h("h2", {text: _("Pengaduan baru dari penjangkauan")}),
      select("village_code", _("Desa"), s.villages),
      select("category_code", _("Kategori"), s.categories),
      field(_("Pengaduan"), inputs.description),
      select("urgency", _("Tingkat kepentingan"), [{code: "biasa", label: _("Biasa")},
        {code: "segera", label: _("Segera")}, {code: "darurat", label: _("Darurat")}]),
      text("name", _("Nama warga"), {maxlength: "120", autocomplete: "off"}),
      text("nik", "NIK", {inputmode: "numeric", maxlength: "40", autocomplete: "off",
                          oninput: function () {  // told once the 16 digits are typed
                            var typed = inputs.nik.value.replace(SEP, "");
                            nikNote.textContent = typed.length >= 16 ? (checkNik(inputs.nik.value) || _("Susunan NIK sah.")) : "";
                          }},
           _("Diperiksa di ponsel; DTKS diperiksa saat terkirim.")),
      nikNote,
      text("address", _("Alamat"), {maxlength: "200"}),
      text("dusun", _("Dusun"), {maxlength: "60"}),
      text("rt", "RT", {maxlength: "3", inputmode: "numeric"}),
      text("rw", "RW", {maxlength: "3", inputmode: "numeric"}),
      text("phone", _("Nomor HP"), {maxlength: "20", inputmode: "tel"}),
      error,
      h("p", {class: "actions"}, h("button", {type: "submit", class: "primary", text: _("Simpan pengaduan")}),
        button(_("Batal"), function () { go("desa"); })));
    return form;
  }

  function loginForm() {
    var user = h("input", {name: "username", autocomplete: "username", required: true});
    var pass = h("input", {name: "password", type: "password", autocomplete: "current-password", required: true});
    var error = h("p", {class: "error", role: "alert", hidden: true});
    return h("form", {class: "login", onsubmit: function (ev) {
      ev.preventDefault();
      if (!navigator.onLine) { error.textContent = _("Masuk memerlukan sinyal."); error.hidden = false; return; }
      fetch(API + "/auth/token", {method: "POST", headers: {"Content-Type": "application/json"},
                                  body: JSON.stringify({username: user.value, password: pass.value})})
        .then(function (r) {
          return r.json().then(function (body) {
            if (!r.ok) throw new Error(body.detail || _("Tidak bisa masuk."));
            S.auth = {username: user.value.trim().toLowerCase()};
            delete B.dataset.wiped;
            return setAuth(body);
          });
        })
        .then(function () { S.msg = ""; render(); return sync(); })
        .catch(function (e) {
          error.textContent = e instanceof TypeError ? _("Masuk memerlukan sinyal.") : e.message;
          error.hidden = false;
        });
    }},
      h("h2", {text: _("Masuk")}),
      field(_("Nama pengguna"), user), field(_("Kata sandi"), pass), error,
      h("p", {class: "actions"}, h("button", {type: "submit", class: "primary", text: _("Masuk")})));
  }

  function logout() {
    var waiting = S.queue.length;
    if (waiting && !confirm(_("%(n)s item belum terkirim dan akan ikut terhapus. Tetap keluar?", {n: waiting}))) return;
    var done = function () { return wipe(_("Anda sudah keluar. Data di ponsel ini sudah dihapus.")); };
    if (!navigator.onLine) { done(); return; }
    call("POST", "/auth/logout").then(done, done);
  }

  function go(name) { S.view = Array.prototype.slice.call(arguments); S.msg = ""; render(); window.scrollTo(0, 0); }

  function render() {
    var net = document.getElementById("jaringan");
    net.textContent = navigator.onLine ? _("Ada sinyal") : _("Tanpa sinyal: bekerja dari data di ponsel");
    net.className = "net " + (navigator.onLine ? "online" : "offline");
    root.textContent = "";
    var msg = S.msg ? h("p", {class: "flash " + S.msgKind, role: "status", id: "pesan", text: S.msg}) : null;
    if (!S.auth) { add(root, [msg, loginForm()]); return; }
    var v = S.view, main;
    if (!S.snap) main = h("p", {text: _("Belum ada data. Sinkronkan saat ada sinyal.")});
    else if (v[0] === "kunjungan") main = visitForm(v[1], v[2]);
    else if (v[0] === "kasus") main = caseView(v[1]);
    else if (v[0] === "pengaduan") main = complaintForm();
    else main = desa();
    add(root, [msg, notice(), statusBar(), queueView(), main]);
    B.dataset.ready = "1";
  }

  // ------------------------------------------------------------------ start
  function start() {
    Promise.all([kv.get("auth"), kv.get("snapshot"), kv.get("meta"), loadQueue()]).then(function (got) {
      S.auth = got[0] || null; S.snap = got[1] || null; S.meta = got[2] || {};
      var last = S.meta.lastSync ? Date.parse(S.meta.lastSync) : null;
      if (S.auth && last && Date.now() - last > KEEP_DAYS * DAY) {
        return wipe(_("Ponsel ini tidak sinkron selama 14 hari: data di ponsel sudah dihapus. Masuk lagi untuk melanjutkan."));
      }
      render();
      if (S.auth && navigator.onLine) return sync();
    });
    window.addEventListener("online", function () { render(); sync(); });
    window.addEventListener("offline", render);
    if (navigator.serviceWorker) navigator.serviceWorker.register(B.dataset.sw, {scope: B.dataset.scope});
  }

  window.slrtLapangan = {checkNik: checkNik, sync: sync, resizePhoto: resizePhoto};
  start();
})();
