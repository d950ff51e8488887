/*
 * cogalign-run.js: runs a cogalign study in the browser with jsPsych 8.
 *
 * The page's settings are in <script type="application/json" id="cogalign-config">. Two
 * back ends:
 *   server: the trial list comes from POST <api>/start; every answer is queued in
 *           localStorage and sent to POST <api>/trial as soon as it is given, retried with
 *           backoff while the network is down; POST <api>/finish ends the session.
 *   static: the trial list comes from trials/<id>-<session>.json; answers stay in
 *           localStorage and are saved as a file at the end.
 * A reload resumes at the next unanswered trial. Every text from the study is put on the
 * page as text (textContent, or escaped before it reaches a jsPsych plugin), never as HTML.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("cogalign-config").textContent);
  const PT = jsPsychModule.ParameterType;
  const LINK_PARAMS = ["PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "workerId", "hitId",
                       "assignmentId", "participant", "session"];

  // ------------------------------------------------------------------ helpers

  const ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  }

  function textHtml(text, extra) {
    return '<div class="cg-text' + (extra ? " " + extra : "") + '">' + escapeHtml(text) + "</div>";
  }

  function make(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function isoAt(perfMs) {
    return new Date(performance.timeOrigin + perfMs).toISOString();
  }

  function mark(screen, trial) {
    document.body.dataset.screen = screen;
    if (trial === undefined) delete document.body.dataset.trial;
    else document.body.dataset.trial = String(trial);
  }

  function setStatus(text) {
    const bar = document.getElementById("cg-status");
    bar.textContent = text || "";
    bar.classList.toggle("cg-visible", Boolean(text));
  }

  function applyColors() {
    const style = document.body.style;
    style.setProperty("--cg-background", cfg.colors.background);
    style.setProperty("--cg-text", cfg.colors.text);
    style.setProperty("--cg-highlight", cfg.colors.highlight);
  }

  function showMessage(text, screen) {
    const host = make("div", "cg-message");
    host.appendChild(make("div", "cg-text", text));
    document.querySelectorAll(".cg-host").forEach((h) => h.remove());
    document.body.appendChild(host);
    mark(screen);
  }

  const memory = {};
  const store = {
    get(key) {
      try {
        const value = window.localStorage.getItem(key);
        return value === null ? null : JSON.parse(value);
      } catch (e) {
        return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
      }
    },
    set(key, value) {
      try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { memory[key] = value; }
    },
    remove(key) {
      try { window.localStorage.removeItem(key); } catch (e) { /* storage off */ }
      delete memory[key];
    },
  };

  const query = new URLSearchParams(window.location.search);
  const params = {};
  for (const name of LINK_PARAMS) {
    const value = query.get(name);
    if (value !== null) params[name] = value.slice(0, 200);
  }
  const who = params.PROLIFIC_PID || params.workerId || params.participant || "anonymous";
  const prefix = "cogalign/" + cfg.study + "/" + who + "/" + (params.session || "1") + "/";

  function backoff(delay) {
    return Math.min(30000, delay * 2);
  }

  // ------------------------------------------------------------------ back ends

  class ServerBackend {
    constructor() {
      this.token = null;
      this.queue = store.get(prefix + "queue") || [];
      this.waiters = new Map();
      this.drainers = [];
      this.pumping = false;
      this.fatal = null;
      this.onFatal = () => {};
      this.wake = null;
      window.addEventListener("online", () => {
        if (this.wake) this.wake();
        this.pump();
      });
    }

    hasSession() {
      return Boolean(store.get(prefix + "token"));
    }

    async post(path, body) {
      const headers = {"Content-Type": "application/json"};
      if (this.token) headers.Authorization = "Bearer " + this.token;
      const response = await fetch(cfg.api + "/" + path, {
        method: "POST", headers, body: JSON.stringify(body), cache: "no-store",
        credentials: "omit",
      });
      let data = {};
      try { data = await response.json(); } catch (e) { data = {}; }
      return {status: response.status, ok: response.ok, data};
    }

    async start() {
      let token = store.get(prefix + "token");
      let delay = 500;
      for (;;) {
        let res = null;
        try { res = await this.post("start", {params, token}); } catch (e) { res = null; }
        if (res && res.ok) {
          setStatus("");
          this.token = res.data.token;
          store.set(prefix + "token", this.token);
          this.pump();
          return res.data;
        }
        if (res && token && res.status === 403) {
          token = null;  // a stale token: start again from the link
          store.remove(prefix + "token");
          continue;
        }
        if (res && res.status >= 400 && res.status < 500 && res.status !== 429) {
          throw new Error(res.data.error || "The study cannot start (error " + res.status + ").");
        }
        setStatus("Connecting to the server\u2026");
        await sleep(delay);
        delay = backoff(delay);
      }
    }

    enqueue(answer) {
      this.queue.push(answer);
      store.set(prefix + "queue", this.queue);
      const saved = new Promise((resolve) => this.waiters.set(answer.trial, resolve));
      this.pump();
      return saved;
    }

    pending() {
      return this.queue.map((answer) => answer.trial);
    }

    async pump() {
      if (this.pumping || !this.token) return;
      this.pumping = true;
      let delay = 500;
      while (this.queue.length && !this.fatal) {
        const answer = this.queue[0];
        let res = null;
        try { res = await this.post("trial", answer); } catch (e) { res = null; }
        const final = res && (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429));
        if (!final) {
          setStatus("Connection lost: your answers are kept and will be sent when it is back.");
          await this.pause(delay + Math.random() * delay / 2);
          delay = backoff(delay);
          continue;
        }
        this.queue.shift();
        store.set(prefix + "queue", this.queue);
        if (!res.ok) {
          if ([401, 403, 409].includes(res.status)) {
            this.fatal = res.data.error || "error " + res.status;
            this.onFatal(this.fatal);
          } else console.error("answer to trial " + answer.trial + " refused:", res.data.error);
        }
        const waiter = this.waiters.get(answer.trial);
        if (waiter) {
          this.waiters.delete(answer.trial);
          waiter(res.ok ? res.data : null);
        }
        setStatus("");
        delay = 500;
      }
      this.pumping = false;
      if (!this.queue.length || this.fatal) {
        const drained = this.drainers;
        this.drainers = [];
        drained.forEach((resolve) => resolve());
      }
    }

    pause(ms) {
      // a backoff wait that ends early when the browser comes back online
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }

    drain() {
      if (!this.queue.length || this.fatal) return Promise.resolve();
      const done = new Promise((resolve) => this.drainers.push(resolve));
      this.pump();
      return done;
    }

    async finish() {
      await this.drain();
      if (this.fatal) throw new Error(this.fatal);
      let delay = 500;
      for (;;) {
        let res = null;
        try { res = await this.post("finish", {}); } catch (e) { res = null; }
        if (res && res.ok) {
          setStatus("");
          return res.data;
        }
        if (res && res.status >= 400 && res.status < 500 && res.status !== 429) {
          throw new Error(res.data.error || "The study could not be finished (error " + res.status + ").");
        }
        setStatus("Connecting to the server\u2026");
        await sleep(delay);
        delay = backoff(delay);
      }
    }
  }

  class StaticBackend {
    hasSession() {
      return Boolean(store.get(prefix + "started"));
    }

    async start() {
      const participant = params.participant || params.PROLIFIC_PID || params.workerId;
      if (!participant || !/^[A-Za-z0-9]{1,64}$/.test(participant)) {
        throw new Error("This link has no valid participant id.");
      }
      const session = params.session || "1";
      if (!/^[1-9][0-9]{0,2}$/.test(session)) throw new Error("This link has no valid session number.");
      const response = await fetch("trials/" + participant + "-" + session + ".json", {cache: "no-store"});
      if (!response.ok) throw new Error("This study has no trial list for participant " + participant + ".");
      const data = await response.json();
      this.participant = participant;
      this.session = Number(session);
      this.answers = store.get(prefix + "answers") || [];
      const resumed = this.hasSession();
      store.set(prefix + "started", true);
      const finished = Boolean(store.get(prefix + "finished"));
      return {participant, session: this.session, resumed, finished, trials: data.trials,
              done: this.answers.map((a) => a.trial),
              completion_code: cfg.completion_code, redirect: cfg.redirect};
    }

    enqueue(answer) {
      this.answers.push(answer);
      store.set(prefix + "answers", this.answers);
      return Promise.resolve({status: "saved", trial: answer.trial});
    }

    pending() {
      return [];
    }

    drain() {
      return Promise.resolve();
    }

    async finish() {
      store.set(prefix + "finished", true);
      return {completion_code: cfg.completion_code, redirect: cfg.redirect};
    }

    file() {
      const name = "study-" + cfg.study + "_subject-" + this.participant + "_session-" +
                   this.session + "_responses.json";
      const content = {format: "cogalign-responses/1", study: cfg.study,
                       definition_hash: cfg.definition_hash, participant: this.participant,
                       session: this.session, finished: true, responses: this.answers};
      return {name, text: JSON.stringify(content)};
    }
  }

  // ------------------------------------------------------------------ plugins

  function choiceKeyIndex(jsPsych, info) {
    return cfg.keys.findIndex((entry) => jsPsych.pluginAPI.compareKeys(info.key, entry.key));
  }

  function pointerDevice(event) {
    return event.pointerType === "touch" ? "touch" : "mouse";
  }

  function optionBox(option) {
    const box = make("div", "cg-option");
    if (option.image) {
      const image = make("img", "cg-image");
      image.src = option.image;
      image.alt = option.lines.join(" ");
      box.appendChild(image);
    } else {
      const lines = make("div", "cg-lines");
      option.lines.forEach((line) => lines.appendChild(make("div", "cg-line", line)));
      box.appendChild(lines);
    }
    return box;
  }

  function stimulusImage(t) {
    // the trial's own image (e.g. two views of an object), between the prompt and the options
    const image = make("img", "cg-stimulus");
    image.src = t.image;
    image.alt = "";
    return image;
  }

  class ChoicePlugin {
    constructor(jsPsych) {
      this.jsPsych = jsPsych;
    }

    trial(display, par) {
      const t = par.trial;
      const root = make("div", "cg-trial");
      root.appendChild(make("div", "cg-prompt", t.prompt));
      if (t.image) root.appendChild(stimulusImage(t));
      const row = make("div", "cg-options cg-n" + t.options.length);
      const boxes = t.options.map((option, k) => {
        const cell = make("div", "cg-cell");
        const box = optionBox(option);
        box.classList.add("cg-clickable");
        box.dataset.position = String(k);
        cell.appendChild(box);
        if (cfg.keys[k]) cell.appendChild(make("div", "cg-key", cfg.keys[k].label));
        row.appendChild(cell);
        return box;
      });
      root.appendChild(row);
      const feedback = make("div", "cg-feedback");
      root.appendChild(feedback);
      display.replaceChildren(root);
      mark(t.practice ? "practice-trial" : "trial", t.index);
      const start = performance.now();
      let answered = false;
      let listener = null;
      const respond = (position, device, key) => {
        if (answered) return;
        answered = true;
        const rt = performance.now() - start;
        if (listener) this.jsPsych.pluginAPI.cancelKeyboardResponse(listener);
        boxes[position].classList.add("cg-chosen");
        const saved = par.record({trial: t.index, value: position, rt: rt / 1000, key, device,
                                  onset_utc: isoAt(start), response_utc: isoAt(start + rt)});
        const end = () => this.jsPsych.finishTrial({cogalign_trial: t.index, value: position});
        if (cfg.feedback) {
          feedback.textContent = "\u2026";
          saved.then((res) => {
            feedback.textContent = res && res.feedback ? res.feedback : "";
            this.jsPsych.pluginAPI.setTimeout(end, Math.max(cfg.timing.confirm, cfg.timing.feedback));
          });
        } else {
          this.jsPsych.pluginAPI.setTimeout(end, cfg.timing.confirm);
        }
      };
      if (cfg.keys.length) {
        listener = this.jsPsych.pluginAPI.getKeyboardResponse({
          callback_function: (info) => {
            const k = choiceKeyIndex(this.jsPsych, info);
            if (k >= 0 && k < boxes.length) respond(k, "keyboard", cfg.keys[k].name);
          },
          valid_responses: cfg.keys.slice(0, boxes.length).map((entry) => entry.key),
          rt_method: "performance", persist: true, allow_held_key: false,
        });
      }
      if (cfg.mouse) {
        boxes.forEach((box, k) => box.addEventListener("pointerdown", (event) => {
          respond(k, pointerDevice(event), null);
        }));
      }
    }
  }
  ChoicePlugin.info = {
    name: "cogalign-choice", version: "1.0.0",
    parameters: {
      trial: {type: PT.COMPLEX, default: undefined},
      record: {type: PT.FUNCTION, default: undefined},
    },
    data: {cogalign_trial: {type: PT.INT}, value: {type: PT.INT}},
  };

  function snap(value) {
    const s = cfg.scale;
    const k = Math.round((value - s.min) / s.step);
    return Number(Math.min(s.max, Math.max(s.min, s.min + k * s.step)).toFixed(10));
  }

  class RatingPlugin {
    constructor(jsPsych) {
      this.jsPsych = jsPsych;
    }

    trial(display, par) {
      const t = par.trial;
      const s = cfg.scale;
      const root = make("div", "cg-trial");
      root.appendChild(make("div", "cg-prompt", t.prompt));
      if (t.image) root.appendChild(stimulusImage(t));
      const pair = make("div", "cg-options cg-pair");
      t.options.forEach((option) => {
        const cell = make("div", "cg-cell");
        cell.appendChild(optionBox(option));
        pair.appendChild(cell);
      });
      root.appendChild(pair);
      const scale = make("div", "cg-scale");
      root.appendChild(scale);
      display.replaceChildren(root);
      mark(t.practice ? "practice-trial" : "trial", t.index);
      const start = performance.now();
      let answered = false;
      let listener = null;
      const respond = (value, device, key, cell) => {
        if (answered) return;
        answered = true;
        const rt = performance.now() - start;
        if (listener) this.jsPsych.pluginAPI.cancelKeyboardResponse(listener);
        if (cell) cell.classList.add("cg-chosen");
        par.record({trial: t.index, value, rt: rt / 1000, key, device,
                    onset_utc: isoAt(start), response_utc: isoAt(start + rt)});
        this.jsPsych.pluginAPI.setTimeout(
          () => this.jsPsych.finishTrial({cogalign_trial: t.index, value}), cfg.timing.confirm);
      };
      const labels = make("div", "cg-scale-labels");
      labels.appendChild(make("span", "cg-scale-low", s.labels[0]));
      labels.appendChild(make("span", "cg-scale-high", s.labels[1]));
      if (s.input === "keys") {
        const cells = make("div", "cg-scale-points");
        const hints = cfg.keys.some((entry, k) => entry.name !== String(s.points[k]));
        const points = s.points.map((point, k) => {
          const cell = make("div", "cg-point cg-clickable");
          if (hints) cell.appendChild(make("div", "cg-point-key", cfg.keys[k].label));
          cell.appendChild(make("div", "cg-point-value", String(point)));
          cell.dataset.value = String(point);
          if (cfg.mouse) {
            cell.addEventListener("pointerdown", (event) => respond(point, pointerDevice(event), null, cell));
          }
          cells.appendChild(cell);
          return cell;
        });
        scale.appendChild(cells);
        scale.appendChild(labels);
        listener = this.jsPsych.pluginAPI.getKeyboardResponse({
          callback_function: (info) => {
            const k = choiceKeyIndex(this.jsPsych, info);
            if (k >= 0) respond(s.points[k], "keyboard", cfg.keys[k].name, points[k]);
          },
          valid_responses: cfg.keys.map((entry) => entry.key),
          rt_method: "performance", persist: true, allow_held_key: false,
        });
        return;
      }
      // slider: the marker appears at the first arrow press or click; OK or the confirm key ends
      let value = null;
      const track = make("div", "cg-track cg-clickable");
      const marker = make("div", "cg-marker");
      const shown = make("div", "cg-marker-value");
      marker.appendChild(shown);
      track.appendChild(marker);
      const ends = make("div", "cg-scale-labels");
      ends.appendChild(make("span", "cg-scale-low", String(s.min)));
      ends.appendChild(make("span", "cg-scale-high", String(s.max)));
      const ok = make("button", "jspsych-btn cg-ok", "OK (" + s.confirm[0].label + ")");
      ok.type = "button";
      ok.disabled = true;
      scale.append(ends, track, labels, ok);
      const place = (v) => {
        value = snap(v);
        marker.style.left = (100 * (value - s.min) / (s.max - s.min)) + "%";
        marker.classList.add("cg-visible");
        shown.textContent = String(value);
        ok.disabled = false;
      };
      const moves = {left: -s.step, right: s.step, down: -s.coarse, up: s.coarse};
      listener = this.jsPsych.pluginAPI.getKeyboardResponse({
        callback_function: (info) => {
          const move = s.move.find((entry) => this.jsPsych.pluginAPI.compareKeys(info.key, entry.key));
          if (move) {
            place(value === null ? (s.min + s.max) / 2 : value + moves[move.name]);
            return;
          }
          const confirm = s.confirm.find((entry) => this.jsPsych.pluginAPI.compareKeys(info.key, entry.key));
          if (confirm && value !== null) respond(value, "keyboard", confirm.name, null);
        },
        valid_responses: s.move.concat(s.confirm).map((entry) => entry.key),
        rt_method: "performance", persist: true, allow_held_key: true,
      });
      if (cfg.mouse) {
        track.addEventListener("pointerdown", (event) => {
          const box = track.getBoundingClientRect();
          place(s.min + (event.clientX - box.left) / box.width * (s.max - s.min));
        });
        ok.addEventListener("click", (event) => {
          if (value !== null) respond(value, pointerDevice(event), null, null);
        });
      }
    }
  }
  RatingPlugin.info = {
    name: "cogalign-rating", version: "1.0.0",
    parameters: {
      trial: {type: PT.COMPLEX, default: undefined},
      record: {type: PT.FUNCTION, default: undefined},
    },
    data: {cogalign_trial: {type: PT.INT}, value: {type: PT.FLOAT}},
  };

  class TaskPlugin {
    constructor(jsPsych) {
      this.jsPsych = jsPsych;
    }

    trial(display, par) {
      display.replaceChildren(make("div", "cg-text", par.message));
      mark(par.screen);
      par.task().then(
        () => this.jsPsych.finishTrial({}),
        (error) => {
          display.replaceChildren(make("div", "cg-text cg-error", error.message || String(error)));
          mark("error");
        });
    }
  }
  TaskPlugin.info = {
    name: "cogalign-task", version: "1.0.0",
    parameters: {
      message: {type: PT.STRING, default: ""},
      screen: {type: PT.STRING, default: "task"},
      task: {type: PT.FUNCTION, default: undefined},
    },
    data: {},
  };

  // ------------------------------------------------------------------ the timeline

  function textScreen(text, screen) {
    return {
      type: jsPsychHtmlKeyboardResponse,
      stimulus: textHtml(text),
      choices: [cfg.continue.key],
      on_load: () => mark(screen),
    };
  }

  function pause(ms, screen, html) {
    return {type: jsPsychHtmlKeyboardResponse, stimulus: html, choices: "NO_KEYS",
            trial_duration: ms, on_load: () => mark(screen)};
  }

  function endHtml(result) {
    let html = textHtml(cfg.texts.end);
    if (result.completion_code) {
      html += '<div class="cg-text">Your completion code: <span class="cg-code">' +
              escapeHtml(result.completion_code) + "</span></div>";
    }
    if (result.download) {
      html += '<div class="cg-text"><button type="button" class="jspsych-btn" id="cg-download">' +
              "Save your answers as a file</button></div>";
    }
    if (result.redirect) {
      html += '<div class="cg-text cg-small">You will be taken back ' +
              Math.round(cfg.redirect_delay / 1000) + " s " +
              (result.download ? "after you save the file." : "from now.") + "</div>";
    }
    return html;
  }

  function afterEnd(result, backend) {
    mark("end");
    const button = document.getElementById("cg-download");
    if (button) {
      button.addEventListener("click", () => {
        const file = backend.file();
        const link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob([file.text], {type: "application/json"}));
        link.download = file.name;
        document.body.appendChild(link);
        link.click();
        link.remove();
        document.body.dataset.saved = file.name;
        if (result.redirect) {
          setTimeout(() => window.location.assign(result.redirect), cfg.redirect_delay);
        }
      });
    } else if (result.redirect) {
      setTimeout(() => window.location.assign(result.redirect), cfg.redirect_delay);
    }
  }

  function endScreen(state, backend) {
    return {
      type: jsPsychHtmlKeyboardResponse,
      choices: "NO_KEYS",
      stimulus: () => endHtml(state.result),
      on_load: () => afterEnd(state.result, backend),
    };
  }

  function buildTimeline(start, backend) {
    const done = new Set(start.done.concat(backend.pending()));
    const remaining = start.trials.filter((t) => !done.has(t.index));
    const timeline = [textScreen(start.resumed ? cfg.texts.resume : cfg.texts.instructions,
                                 start.resumed ? "resume" : "instructions")];
    if (remaining.length && remaining[0].practice) {
      timeline.push(textScreen(cfg.texts.practice_start, "practice-start"));
    }
    const plugin = cfg.mode === "rating" ? RatingPlugin : ChoicePlugin;
    const record = (answer) => backend.enqueue(answer);
    let previous = null;
    for (const t of remaining) {
      if (previous && previous.practice && !t.practice) {
        timeline.push(textScreen(cfg.texts.practice_end, "practice-end"));
      } else if (previous && t.break_text) {
        timeline.push(textScreen(t.break_text, "break"));
      }
      if (cfg.timing.fixation > 0) {
        timeline.push(pause(cfg.timing.fixation, "fixation", '<div class="cg-fixation">+</div>'));
      }
      timeline.push({type: plugin, trial: t, record});
      if (cfg.timing.iti > 0) timeline.push(pause(cfg.timing.iti, "iti", ""));
      previous = t;
    }
    const state = {result: null};
    timeline.push({
      type: TaskPlugin, message: "Saving your answers\u2026", screen: "saving",
      task: async () => {
        state.result = await backend.finish();
        if (cfg.backend === "static") state.result = Object.assign({download: true}, state.result);
      },
    });
    timeline.push(endScreen(state, backend));
    return timeline;
  }

  function runTimeline(timeline) {
    document.querySelectorAll(".cg-host").forEach((h) => h.remove());
    const host = make("div", "cg-host");
    document.body.appendChild(host);
    const jsPsych = initJsPsych({display_element: host});
    return jsPsych.run(timeline);
  }

  async function askConsent() {
    let agreed = false;
    await runTimeline([{
      type: jsPsychHtmlButtonResponse,
      stimulus: textHtml(cfg.texts.consent),
      choices: [cfg.texts.consent_button, cfg.texts.decline_button],
      button_html: (choice) => '<button type="button" class="jspsych-btn">' + escapeHtml(choice) + "</button>",
      on_load: () => mark("consent"),
      on_finish: (data) => { agreed = data.response === 0; },
    }]);
    return agreed;
  }

  async function main() {
    applyColors();
    if (params.assignmentId === "ASSIGNMENT_ID_NOT_AVAILABLE") {
      showMessage(cfg.texts.preview, "preview");
      return;
    }
    const backend = cfg.backend === "static" ? new StaticBackend() : new ServerBackend();
    backend.onFatal = (message) => showMessage("This session cannot go on: " + message, "error");
    try {
      if (!backend.hasSession() && cfg.texts.consent) {
        if (!(await askConsent())) {
          showMessage(cfg.texts.declined, "declined");
          return;
        }
      }
      mark("starting");
      const start = await backend.start();
      if (start.finished) {
        const result = {completion_code: start.completion_code, redirect: start.redirect,
                        download: cfg.backend === "static"};
        await runTimeline([endScreen({result}, backend)]);
        return;
      }
      await runTimeline(buildTimeline(start, backend));
    } catch (error) {
      showMessage(error.message || String(error), "error");
    }
  }

  main();
})();
