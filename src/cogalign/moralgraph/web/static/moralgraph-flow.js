/*
 * moralgraph-flow.js: the moral-graph participant flow in the browser.
 *
 * consent -> interview (chat) -> values card (edit, confirm) -> votes on peers' cards ->
 * upgrade votes -> completion code. The page's settings are in
 * <script type="application/json" id="mg-config">. Every step is one POST to <api>/<step>;
 * the server saves each answer before it answers and sends back the participant's whole view,
 * which the page draws. Requests that fail for lack of a network or a server are retried with
 * backoff; a reload asks the server where the participant is (POST <api>/start with the
 * stored token). An answer being typed is kept in localStorage. Every text from the server
 * (the interviewer's words, cards, questions) is put on the page as text (textContent),
 * never as HTML.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("mg-config").textContent);
  const LINK_PARAMS = ["PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "workerId", "hitId",
                       "assignmentId", "participant", "session"];
  const main = document.getElementById("mg-main");

  const query = new URLSearchParams(window.location.search);
  const params = {};
  for (const name of LINK_PARAMS) {
    const value = query.get(name);
    if (value !== null) params[name] = value.slice(0, 200);
  }
  const who = params.PROLIFIC_PID || params.workerId || params.participant || "anonymous";
  const prefix = "cogalign-moralgraph/" + cfg.study + "/" + who + "/";

  // ------------------------------------------------------------------ helpers

  const memory = {};
  const store = {
    get(key) {
      try {
        const value = window.localStorage.getItem(prefix + key);
        return value === null ? null : JSON.parse(value);
      } catch (e) {
        return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
      }
    },
    set(key, value) {
      try { window.localStorage.setItem(prefix + key, JSON.stringify(value)); } catch (e) { memory[key] = value; }
    },
    remove(key) {
      try { window.localStorage.removeItem(prefix + key); } catch (e) { /* storage off */ }
      delete memory[key];
    },
  };

  function make(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  function button(text, onClick, className) {
    const b = make("button", className, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function mark(screen) {
    document.body.dataset.screen = screen;
  }

  function setStatus(text) {
    const bar = document.getElementById("mg-status");
    bar.textContent = text || "";
    bar.classList.toggle("mg-visible", Boolean(text));
  }

  function show(screen, ...children) {
    main.replaceChildren(...children);
    mark(screen);
  }

  function fatal(text) {
    show("error", make("p", "mg-error", text));
  }

  function disableAll(disabled) {
    main.querySelectorAll("button, textarea, input").forEach((e) => { e.disabled = disabled; });
  }

  // ------------------------------------------------------------------ the server

  let token = store.get("token");

  class Refused extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function post(path, body) {
    const headers = {"Content-Type": "application/json"};
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(cfg.api + "/" + path, {
      method: "POST", headers, body: JSON.stringify(body), cache: "no-store", credentials: "omit",
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return {status: response.status, ok: response.ok, data};
  }

  // One step: retried while the network or the server is away; a refusal (4xx) is thrown.
  async function call(path, body) {
    let delay = 500;
    for (;;) {
      let res = null;
      try { res = await post(path, body); } catch (e) { res = null; }
      if (res && res.ok) {
        setStatus("");
        return res.data;
      }
      if (res && res.status >= 400 && res.status < 500 && res.status !== 429) {
        setStatus("");
        throw new Refused(res.status, res.data.error || "error " + res.status);
      }
      setStatus("Connection lost: what you did is kept and will be sent when it is back.");
      await sleep(delay + Math.random() * delay / 2);
      delay = Math.min(15000, delay * 2);
    }
  }

  // A step that changes the view: draws the new view, or shows why it was refused (under
  // the form `where`, or above the participant's current view, fetched again).
  async function step(path, body, where) {
    disableAll(true);
    try {
      draw(await call(path, body));
    } catch (e) {
      if (!(e instanceof Refused) || [401, 403].includes(e.status)) {
        fatal(e.message);
        return;
      }
      if (where) {
        disableAll(false);
        where.querySelectorAll(".mg-refused").forEach((p) => p.remove());
        where.appendChild(make("p", "mg-error mg-refused", e.message));
        return;
      }
      try {
        draw(await call("start", {params, token}));
      } catch (again) {
        fatal(again.message);
        return;
      }
      main.prepend(make("p", "mg-error mg-refused", e.message));
    }
  }

  // ------------------------------------------------------------------ pieces

  function cardView(card, heading) {
    const box = make("div", "mg-card");
    if (heading) box.appendChild(make("p", "mg-muted", heading));
    box.appendChild(make("h3", "mg-title", card.title));
    box.appendChild(make("p", "mg-description", card.description));
    const list = make("ul", "mg-policies");
    for (const policy of card.attention_policies) list.appendChild(make("li", null, policy));
    box.appendChild(list);
    return box;
  }

  function chatLog(view) {
    const log = make("div", "mg-log");
    for (const m of view.messages) {
      const bubble = make("div", "mg-msg mg-" + m.role);
      bubble.appendChild(make("span", "mg-who", m.role === "interviewer" ? "Interviewer" : "You"));
      bubble.appendChild(make("span", "mg-content", m.content));
      log.appendChild(bubble);
    }
    return log;
  }

  function questionBox(view) {
    return make("div", "mg-question", view.question);
  }

  // ------------------------------------------------------------------ screens

  function interview(view) {
    const intro = make("p", "mg-text", cfg.texts.interview);
    const log = chatLog(view);
    const children = [intro, questionBox(view), log];
    if (view.error) {
      children.push(make("p", "mg-error", view.error));
    }
    if (view.waiting) {
      children.push(button("Try again", () => step("retry", {})));
      show(view.error ? "interview-error" : "interview-waiting", ...children);
      return;
    }
    const box = make("textarea", "mg-answer");
    box.maxLength = cfg.max_answer_chars;
    box.placeholder = "Your answer";
    box.value = store.get("draft-" + view.answers) || "";
    box.addEventListener("input", () => store.set("draft-" + view.answers, box.value));
    const send = button("Send", async () => {
      const text = box.value.trim();
      if (!text) return;
      const pending = make("div", "mg-msg mg-participant");
      pending.appendChild(make("span", "mg-who", "You"));
      pending.appendChild(make("span", "mg-content", text));
      log.appendChild(pending);
      log.appendChild(make("div", "mg-thinking", "The interviewer is thinking\u2026"));
      box.remove();
      send.remove();
      mark("thinking");
      await step("answer", {turn: view.answers, text});
      if (document.body.dataset.screen !== "error") store.remove("draft-" + view.answers);
    });
    children.push(make("label", null, "Your answer"), box, send);
    show("interview", ...children);
    box.focus();
  }

  let drafted = false;

  function card(view) {
    if (!view.draft) {
      const children = [questionBox(view), chatLog(view)];
      if (view.error) {
        children.push(make("p", "mg-error", view.error));
        children.push(button("Try again", () => {
          show("drafting", make("p", "mg-muted", "Writing your values card\u2026"));
          step("draft", {});
        }));
        show("card-error", ...children);
        return;
      }
      if (drafted) {  // asked once already on this page: the participant asks again
        show("card-wait", questionBox(view), chatLog(view), button("Write my values card", () => {
          show("drafting", make("p", "mg-muted", "Writing your values card\u2026"));
          step("draft", {});
        }));
        return;
      }
      drafted = true;
      show("drafting", questionBox(view), chatLog(view),
           make("p", "mg-thinking", "Writing your values card\u2026"));
      step("draft", {});
      return;
    }
    const d = view.draft;
    const form = make("form", "mg-card-form");
    form.addEventListener("submit", (e) => e.preventDefault());
    const title = make("input");
    title.type = "text";
    title.name = "title";
    title.maxLength = cfg.card_limits.title;
    title.value = d.title;
    const description = make("textarea");
    description.name = "description";
    description.maxLength = cfg.card_limits.description;
    description.value = d.description;
    const policies = make("textarea");
    policies.name = "attention_policies";
    policies.value = d.attention_policies.join("\n");
    form.append(make("label", null, "Title"), title,
                make("label", null, "Description"), description,
                make("label", null, "What you attend to (one per line)"), policies);
    form.appendChild(button("Confirm my card", () => step("confirm", {
      title: title.value, description: description.value,
      attention_policies: policies.value.split("\n").map((p) => p.trim()).filter(Boolean),
    }, form)));
    show("card", make("p", "mg-text", cfg.texts.card), questionBox(view), form);
  }

  function values(view) {
    const open = view.values.filter((v) => v.vote === null);
    const value = open[0];
    const k = view.values.length - open.length + 1;
    const choices = make("div", "mg-choices");
    const vote = (answer) => () => step("value-vote", {value_id: value.id, vote: answer});
    choices.append(button("Wise to consider", vote("wise")),
                   button("Not wise", vote("not_wise"), "mg-secondary"),
                   button("Not sure", vote("unsure"), "mg-secondary"));
    show("values", make("p", "mg-text", cfg.texts.peers), questionBox(view),
         make("p", "mg-progress", "Value " + k + " of " + view.values.length),
         cardView(value), choices);
  }

  function upgrades(view) {
    const open = view.upgrades.filter((u) => u.vote === null);
    const edge = open[0];
    const k = view.upgrades.length - open.length + 1;
    const pair = make("div", "mg-pair");
    pair.append(cardView(edge.source, "First value"), make("div", "mg-arrow", "\u2192"),
                cardView(edge.wiser, "Second value"));
    const choices = make("div", "mg-choices");
    const vote = (answer) => () => step("upgrade-vote", {
      source_value_id: edge.source.id, wiser_value_id: edge.wiser.id, context: edge.context,
      vote: answer});
    choices.append(button("The second is wiser", vote("wiser")),
                   button("Not wiser", vote("not_wiser"), "mg-secondary"),
                   button("The first is wiser", vote("less_wise"), "mg-secondary"),
                   button("Not sure", vote("unsure"), "mg-secondary"));
    const context = make("p");
    context.append(make("span", null, "Situation: "), make("span", "mg-context", edge.context));
    show("upgrades", make("p", "mg-text", cfg.texts.upgrades), context,
         make("p", "mg-progress", "Pair " + k + " of " + view.upgrades.length), pair, choices);
  }

  function done(view) {
    const children = [make("p", "mg-text", cfg.texts.end)];
    if (view.completion_code) {
      const line = make("p", null, "Your completion code: ");
      line.appendChild(make("span", "mg-code", view.completion_code));
      children.push(line);
    }
    if (view.redirect) {
      children.push(make("p", "mg-muted", "You will be taken back in a moment."));
      setTimeout(() => window.location.assign(view.redirect), cfg.redirect_delay);
    }
    show("done", ...children);
  }

  function draw(view) {
    switch (view.stage) {
      case "interview": interview(view); break;
      case "card": card(view); break;
      case "values": values(view); break;
      case "upgrades": upgrades(view); break;
      case "finish":
        show("finishing", make("p", "mg-muted", "Saving\u2026"));
        step("finish", {});
        break;
      case "done": done(view); break;
      default: fatal("Unknown stage " + view.stage);
    }
  }

  // ------------------------------------------------------------------ start

  function consent() {
    return new Promise((resolve) => {
      show("consent", make("p", "mg-text", cfg.texts.consent),
           button(cfg.texts.consent_button, () => resolve(true)),
           button(cfg.texts.decline_button, () => resolve(false), "mg-secondary"));
    });
  }

  async function begin() {
    if (params.assignmentId === "ASSIGNMENT_ID_NOT_AVAILABLE") {
      show("preview", make("p", "mg-text", cfg.texts.preview));
      return;
    }
    if (!token && cfg.texts.consent) {
      if (!(await consent())) {
        show("declined", make("p", "mg-text", cfg.texts.declined));
        return;
      }
    }
    mark("starting");
    let view = null;
    try {
      view = await call("start", {params, token});
    } catch (e) {
      if (token && e instanceof Refused && e.status === 403) {
        token = null;  // a stale token: start again from the link
        store.remove("token");
        return begin();
      }
      fatal(e.message);
      return;
    }
    token = view.token;
    store.set("token", token);
    draw(view);
  }

  begin();
})();
