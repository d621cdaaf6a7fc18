// The Gremium sandbox page: chats of the emulated personas, a composer, buttons and a clock.
// Plain browser JavaScript, no build step, nothing loaded from the internet.
"use strict";

const LANGUAGE_NAMES = {
  de: "Deutsch", en: "English", tr: "Türkçe", ar: "العربية", uk: "Українська", ru: "Русский",
};
// Telegram's HTML: the tags a message may carry, and what each becomes on the page.
const TAGS = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  a: "a", code: "code", pre: "pre", blockquote: "blockquote", "tg-spoiler": "span",
  span: "span", "tg-emoji": "span", "tg-time": "span",
};

const S = {
  state: null,        // /api/state
  personaId: null,    // who acts
  chatId: null,       // the open chat
  messages: new Map(),  // chat id -> messages
  seen: new Map(),    // chat id -> newest message id seen
  lastEvent: 0,
};
const $ = (id) => document.getElementById(id);
const PHONE = window.matchMedia("(max-width: 700px)");  // as in style.css: the drawer layout

// -- talking to the server -------------------------------------------------------------------

// A failed call: the server's sentence, and whether the sandbox itself broke (500) rather
// than refusing what was asked (400) or not answering at all.
class ApiError extends Error {
  constructor(message, { internal = false, offline = false } = {}) {
    super(message);
    this.internal = internal;
    this.offline = offline;
  }
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw new ApiError(`no answer from the sandbox (${error.message})`, { offline: true });
  }
  const raw = await response.text();
  let data = null;
  try { data = raw ? JSON.parse(raw) : null; } catch { data = null; }
  if (!response.ok) {
    const message = (data && data.error) || raw.trim().slice(0, 200) || response.statusText;
    throw new ApiError(message, {
      internal: response.status >= 500 || Boolean(data && data.internal),
    });
  }
  if (data === null) {
    throw new ApiError(`the sandbox answered ${path} with something else than JSON`,
      { internal: true });
  }
  return data;
}

// The red bar under the clock: what broke, until it is dismissed or the cause is gone.
function problem(error, source) {
  const bar = $("problem");
  if (!error) {
    if (!source || S.problemSource === source) bar.hidden = true;
    return;
  }
  S.problemSource = source;
  const text = error.internal
    ? `⚠️ Something went wrong inside the sandbox: ${error.message}. The details are in the ` +
      "terminal where the sandbox runs. The page carries on; try again or choose another step."
    : `⚠️ ${error.message}`;
  $("problem-text").textContent = text;
  bar.hidden = false;
}

async function loadState() {
  try {
    S.state = await api("GET", "/api/state");
  } catch (error) {
    problem(error, "state");
    throw error;
  }
  problem(null, "state");
  renderTop();
  renderPersonas();
}

async function loadMessages(chatId) {
  S.messages.set(chatId, await api("GET", `/_emulator/chats/${chatId}/messages`));
}

// -- formatting --------------------------------------------------------------------------------

function zoned(options) {
  return new Intl.DateTimeFormat("en-GB", { timeZone: S.state.timezone, ...options });
}
const fullTime = (iso) => zoned({
  weekday: "short", day: "numeric", month: "short", year: "numeric",
  hour: "2-digit", minute: "2-digit",
}).format(new Date(iso));
const shortTime = (iso) => zoned({
  weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
}).format(new Date(iso));
const clockTime = (iso) => zoned({ hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
const dayOf = (iso) => zoned({
  weekday: "long", day: "numeric", month: "long", year: "numeric",
}).format(new Date(iso));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// Telegram HTML -> DOM, keeping only what Telegram itself can show.
function richText(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return clean(template.content);
}

function clean(source) {
  const out = document.createDocumentFragment();
  for (const child of source.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      out.append(child.textContent);
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const tag = child.tagName.toLowerCase();
      const inner = clean(child);
      if (!(tag in TAGS)) { out.append(inner); continue; }
      const node = document.createElement(TAGS[tag]);
      if (tag === "a") {
        const href = child.getAttribute("href") || "";
        if (/^(https?:|tg:|mailto:)/i.test(href)) node.href = href;
        node.target = "_blank";
        node.rel = "noopener noreferrer";
      }
      if (tag === "tg-spoiler" || (tag === "span" && child.classList.contains("tg-spoiler"))) {
        node.className = "spoiler";
        node.title = "Spoiler: click to show";
        node.addEventListener("click", () => node.classList.add("shown"));
      }
      if (tag === "blockquote" && child.hasAttribute("expandable")) node.className = "expandable";
      node.append(inner);
      out.append(node);
    }
  }
  return out;
}

function plain(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content.textContent;
}

function initials(name) {
  return name.split(/\s+/).map((w) => w[0] || "").join("").slice(0, 2).toUpperCase();
}

function avatar(name, id) {
  const hue = (Math.abs(id) * 47) % 360;
  return el("span", { class: "avatar", style: `background: hsl(${hue} 55% 52%)`, dir: "auto" },
    initials(name));
}

function fileSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

// -- who is who --------------------------------------------------------------------------------

const personas = () => S.state ? S.state.personas : [];
const persona = (id) => personas().find((p) => p.id === id);
const chatInfo = (id) => S.state.chats.find((c) => c.id === id);
const isGroup = (id) => id < 0;

function nameOf(userId) {
  if (S.state && userId === S.state.bot.id) return S.state.bot.first_name;
  const p = persona(userId);
  return p ? p.name : `User ${userId}`;
}

function roleLine(p) {
  const parts = [];
  if (p.role === "Organiser") parts.push("Organiser");
  if (p.coordinates.length) parts.push(`Coordinator of ${p.coordinates.join(", ")}`);
  const plainGroups = p.groups.filter((g) => !p.coordinates.includes(g));
  if (plainGroups.length) parts.push(`Member of ${plainGroups.join(", ")}`);
  if (!parts.length) parts.push(p.role);
  return parts.join(" · ");
}

// -- rendering: top bar, personas, chat list ---------------------------------------------------

function renderTop() {
  const st = S.state;
  $("now").textContent = fullTime(st.now);
  $("now").dateTime = st.now;
  $("zone").textContent = st.timezone;
  $("german-address").textContent = `German address: ${st.german_address === "du" ? "du" : "Sie"}`;
  const next = $("next-info");
  if (st.next) {
    next.textContent = `Next: ${st.next.what} · ${shortTime(st.next.at)}`;
    $("next-step").disabled = false;
  } else {
    next.textContent = "Nothing is scheduled: the bot waits until someone acts (a coordinator " +
      "chooses a date, starts a poll, or sets a rhythm with /schedule).";
    $("next-step").disabled = true;
  }
  const quiet = $("quiet");
  const q = st.quiet;
  const lines = [];
  if (q.held > 0) {
    const noun = q.held === 1 ? "message waits" : "messages wait";
    lines.push(`🌙 ${q.held} ${noun} for the morning (until ${shortTime(q.held_until)}): ` +
      `the bot does not send on its own from ${q.start} to ${q.end}. ` +
      "Press ⏭ Next step to jump there.");
  } else if (q.active) {
    lines.push(`🌙 Quiet hours (${q.start}–${q.end}, ${st.timezone}): messages the bot sends ` +
      `on its own wait until ${clockTime(q.until)}. Replies to what people do still come at once.`);
  }
  quiet.textContent = lines.join(" ");
  quiet.hidden = lines.length === 0;
}

function renderPersonas() {
  const select = $("persona");
  const current = S.personaId;
  select.replaceChildren(...personas().map((p) => el("option", {
    value: p.id, selected: p.id === current,
  }, `${p.name} (${p.language})`)));
  const p = persona(current);
  $("persona-card").replaceChildren(...(p ? [
    el("div", { class: "who", dir: "auto" }, p.name),
    el("div", {}, `${LANGUAGE_NAMES[p.language] || p.language} (${p.language})`),
    el("div", { class: "role" }, roleLine(p)),
  ] : []));
}

function unread(chatId) {
  const seen = S.seen.get(chatId) || 0;
  // What the chat's owner (or, in a group, the one acting now) has not read yet.
  const reader = isGroup(chatId) ? S.personaId : chatId;
  return (S.messages.get(chatId) || []).filter(
    (m) => m.message_id > seen && m.sender_id !== reader).length;
}

function preview(chatId) {
  const list = S.messages.get(chatId) || [];
  const last = list[list.length - 1];
  if (!last) return "";
  if (last.document) return `📎 ${last.document.file_name || "file"}`;
  return plain(last.html || "").replace(/\s+/g, " ").slice(0, 80);
}

function renderChatList() {
  if (!S.state) return;
  const items = [];
  const entry = (chat, title, subtitle, avatarNode) => {
    const count = chat.id === S.chatId ? 0 : unread(chat.id);
    return el("button", {
      type: "button",
      class: "chat-item" + (chat.id === S.chatId ? " active" : ""),
      "data-chat-id": chat.id,
      onclick: () => openChat(chat.id),
    },
    avatarNode,
    el("span", { class: "chat-text" },
      el("span", { class: "chat-name", dir: "auto" }, title),
      el("span", { class: "chat-role" }, subtitle),
      el("span", { class: "chat-preview", dir: "auto" }, preview(chat.id))),
    count ? el("span", { class: "badge" }, String(count)) : null);
  };
  items.push(el("h2", {}, "Private chats with the bot"));
  for (const p of personas()) {
    const chat = chatInfo(p.id);
    if (!chat) continue;
    const lang = el("span", { class: "lang" }, p.language);
    items.push(entry(chat, p.name, roleLine(p), avatar(p.name, p.id)));
    items[items.length - 1].querySelector(".chat-name").append(" ", lang);
  }
  const groups = S.state.chats.filter((c) => c.type !== "private");
  if (groups.length) items.push(el("h2", {}, "Group chats"));
  for (const chat of groups) {
    items.push(entry(chat, chat.title, `${chat.members.length} members and the bot`,
      avatar(chat.title, chat.id)));
  }
  $("chat-list").replaceChildren(...items);
}

// -- rendering: the open chat ------------------------------------------------------------------

function renderChatHead() {
  const chat = chatInfo(S.chatId);
  const p = persona(S.personaId);
  if (!chat || !p) return;
  if (isGroup(chat.id)) {
    $("chat-title").textContent = chat.title;
    const member = chat.members.includes(p.id);
    $("chat-sub").textContent = member
      ? `Group chat linked to a working group · you write as ${p.name}`
      : `${p.name} is not in this group chat: choose someone who is to write here`;
  } else {
    $("chat-title").textContent = `${p.name} ↔ ${S.state.bot.first_name}`;
    $("chat-sub").textContent =
      `Private chat · ${LANGUAGE_NAMES[p.language] || p.language} · ${roleLine(p)}`;
  }
  const canWrite = !isGroup(chat.id) || chat.members.includes(p.id);
  $("text").disabled = !canWrite;
  $("send").disabled = !canWrite;
  $("menu-button").disabled = !canWrite;
  $("bold").disabled = !canWrite;
  $("italic").disabled = !canWrite;
}

function serviceText(m) {
  const s = m.service;
  if (s.new_chat_members) return `${s.new_chat_members.map((u) => u.first_name).join(", ")} joined the group`;
  if (s.left_chat_member) return `${s.left_chat_member.first_name} left the group`;
  if (s.migrate_to_chat_id || s.migrate_from_chat_id) return "The group became a supergroup";
  return null;
}

function messageNode(m) {
  const service = serviceText(m);
  if (service) return el("div", { class: "service", "data-message-id": m.message_id }, service);
  const mine = m.sender_id === S.personaId;
  const bubble = el("div", { class: "bubble" });
  if (isGroup(S.chatId) && !mine) {
    bubble.append(el("div", { class: "sender", dir: "auto" }, nameOf(m.sender_id)));
  }
  if (m.document) {
    const d = m.document;
    bubble.append(el("div", { class: "document" },
      el("span", { class: "doc-icon" }, d.file_name && d.file_name.endsWith(".ics") ? "📅" : "📄"),
      el("span", { class: "doc-text" },
        el("span", { class: "doc-name" }, d.file_name || "file"),
        el("span", { class: "doc-size" }, `${fileSize(d.file_size)} · ${d.mime_type || ""}`)),
      el("a", { class: "download", href: d.url, download: d.file_name || "file" }, "Download")));
  }
  if (m.photo) bubble.append(el("img", { class: "photo", src: m.photo.url, alt: "" }));
  if (m.html) {
    const text = el("div", { class: "text", dir: "auto" });
    text.append(richText(m.html));
    bubble.append(text);
  }
  bubble.append(el("div", { class: "meta" },
    m.edited ? el("span", { class: "edited" }, "edited") : null,
    m.pinned ? el("span", {}, "📌") : null,
    el("time", { datetime: m.date }, clockTime(m.date))));
  const node = el("div", {
    class: `msg ${mine ? "out" : "in"}${m.from_bot ? " bot" : ""}`,
    "data-message-id": m.message_id,
    "data-sender-id": m.sender_id,
  }, bubble);
  if (m.buttons.length) node.append(keyboard(m));
  return node;
}

function keyboard(m) {
  const rows = m.buttons.map((row) => el("div", { class: "kb-row" }, ...row.map((b) => {
    const url = /^(https?|tg):\/\//i.test(b.data || "");
    return el("button", {
      type: "button",
      class: url ? "kb-button link" : "kb-button",
      dir: "auto",
      title: url ? b.data : null,
      onclick: () => url ? window.open(b.data, "_blank", "noopener") : press(m, b.data),
    }, b.text);
  })));
  return el("div", { class: "kb" }, ...rows);
}

function renderMessages() {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  const list = S.messages.get(S.chatId) || [];
  const nodes = [];
  let day = null;
  for (const m of list) {
    const d = dayOf(m.date);
    if (d !== day) {
      nodes.push(el("div", { class: "day" }, d));
      day = d;
    }
    nodes.push(messageNode(m));
  }
  if (!list.length) nodes.push(el("div", { class: "empty" }, "No messages yet."));
  box.replaceChildren(...nodes);
  if (atBottom || S.scrollToEnd) box.scrollTop = box.scrollHeight;
  S.scrollToEnd = false;
  if (list.length) S.seen.set(S.chatId, list[list.length - 1].message_id);
}

function render() {
  renderChatHead();
  renderMessages();
  renderChatList();
}

// -- actions -----------------------------------------------------------------------------------

function openChat(chatId) {
  if (!isGroup(chatId)) {
    S.personaId = chatId;
    renderPersonas();
  }
  S.chatId = chatId;
  S.scrollToEnd = true;
  closeMenu();
  openDrawer(false);
  render();
  $("text").focus();
}

function status(text) {
  $("status").textContent = text;
}

function toast(text, alert) {
  const box = $("toast");
  box.textContent = text;
  box.className = alert ? "toast alert" : "toast";
  box.hidden = false;
  clearTimeout(S.toastTimer);
  S.toastTimer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 3000);
}

async function guarded(action) {
  try {
    await action();
  } catch (error) {
    if (error.internal) problem(error, "action");
    else toast(`⚠️ ${error.message}`, true);
  }
}

// As in Telegram's apps, **bold**, __italic__, `code`, ~~strike~~ and ||spoiler|| become
// formatting (entities) when sent: the emulator converts them (sandbox/emulator/shortcuts.py).
async function send(text) {
  const value = text.trim();
  if (!value) return;
  await api("POST", `/_emulator/users/${S.personaId}/send`,
    { text: value, chat_id: S.chatId, shortcuts: true });
}

// The Bold and Italic buttons (and Ctrl+B, Ctrl+I): wrap the selection in the shortcut, or
// put an empty pair at the cursor.
function wrapSelection(marker) {
  const box = $("text");
  if (box.disabled) return;
  const { selectionStart: start, selectionEnd: end, value } = box;
  let from = start;
  let to = end;
  while (from < to && /\s/.test(value[from])) from += 1;  // "**word **" would not count
  while (to > from && /\s/.test(value[to - 1])) to -= 1;
  const inner = value.slice(from, to);
  box.value = value.slice(0, from) + marker + inner + marker + value.slice(to);
  box.focus();
  const cursor = from + marker.length;
  box.setSelectionRange(cursor, cursor + inner.length);
}

function openDrawer(open) {
  document.body.classList.toggle("drawer", open);
  $("backdrop").hidden = !open;
  $("drawer-open").setAttribute("aria-expanded", String(open));
}

async function press(m, data) {
  await guarded(() => api("POST", `/_emulator/users/${S.personaId}/press`, {
    button: data, message_id: m.message_id, chat_id: m.chat_id,
  }));
}

async function jump(step) {
  const buttons = document.querySelectorAll(".jumps button");
  buttons.forEach((b) => { b.disabled = true; });
  status("Moving the clock…");
  try {
    const result = await api("POST", "/api/clock", { step });
    S.state = result.state;
    problem(null, "clock");
    status(`${result.said} It is now ${fullTime(S.state.now)}.`);
  } catch (error) {
    problem(error, "clock");
    status(error.internal ? "⚠️ The clock step failed (see the red bar)." : `⚠️ ${error.message}`);
    await loadState().catch(() => {});  // show where the clock stands now
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    renderTop();
    renderPersonas();
    render();
  }
}

async function openMenu() {
  const menu = $("menu");
  if (!menu.hidden) { closeMenu(); return; }
  const commands = await api("GET",
    `/api/commands?user_id=${S.personaId}&chat_id=${S.chatId}`);
  menu.replaceChildren(...(commands.length ? commands.map((c) => el("button", {
    type: "button", class: "menu-item", onclick: () => { closeMenu(); guarded(() => send(`/${c.command}`)); },
  }, el("span", { class: "cmd" }, `/${c.command}`), el("span", { class: "desc", dir: "auto" }, c.description)))
    : [el("div", { class: "menu-empty" }, "No commands here.")]));
  menu.hidden = false;
}

function closeMenu() {
  $("menu").hidden = true;
}

async function addPersona(event) {
  event.preventDefault();
  const name = $("persona-name").value.trim();
  if (!name) return;
  const user = await api("POST", "/api/personas", {
    first_name: name, language_code: $("persona-language").value,
  });
  $("persona-form").hidden = true;
  $("persona-name").value = "";
  await loadState();
  await loadMessages(user.id);
  openChat(user.id);
  status(`${user.first_name} opened the bot with /start.`);
}

// -- live updates --------------------------------------------------------------------------------

async function showAnswers(userIds, queryIds) {
  for (const userId of userIds) {
    const answers = await api("GET", `/_emulator/users/${userId}/answers`);
    for (const a of answers) {
      if (queryIds.has(a.query_id) && a.text) toast(a.text, a.show_alert);
    }
  }
}

async function follow() {
  for (;;) {
    try {
      const batch = await api("GET", `/_emulator/events?since=${S.lastEvent}&timeout=25`);
      S.lastEvent = batch.last;
      const chats = new Set();
      const answerUsers = new Set();
      const queries = new Set();
      let refreshState = false;
      for (const e of batch.events) {
        if (e.chat_id !== undefined && ["message", "edit", "delete", "pin", "unpin"].includes(e.kind)) {
          chats.add(e.chat_id);
        }
        if (e.kind === "callback_answer" && e.user_id !== undefined) {
          answerUsers.add(e.user_id);
          queries.add(e.query_id);
        }
        if (["user", "chat", "member", "message"].includes(e.kind)) refreshState = true;
      }
      if (!batch.events.length) continue;
      if (refreshState) await loadState();
      for (const chatId of chats) await loadMessages(chatId);
      render();
      await showAnswers(answerUsers, queries);
    } catch (error) {
      if (error.offline) status(`Lost the connection to the sandbox (${error.message}); retrying…`);
      else problem(error, "state");
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

// -- start ---------------------------------------------------------------------------------------

async function main() {
  $("problem-close").addEventListener("click", () => { $("problem").hidden = true; });
  // The page waits for a sandbox that cannot say its state yet, rather than giving up.
  for (;;) {
    try {
      await loadState();
      break;
    } catch (error) {
      if (error.offline) status(`⚠️ The sandbox does not answer (${error.message}); retrying…`);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  S.lastEvent = S.state.events;
  await Promise.all(S.state.chats.map((c) => loadMessages(c.id)));
  for (const c of S.state.chats) {
    const list = S.messages.get(c.id);
    if (list.length) S.seen.set(c.id, list[list.length - 1].message_id);
  }
  $("persona-language").replaceChildren(...S.state.languages.map((code) => el("option",
    { value: code }, `${LANGUAGE_NAMES[code] || code} (${code})`)));
  const first = personas()[0];
  openChat(first.id);

  $("persona").addEventListener("change", (e) => openChat(Number(e.target.value)));
  document.querySelectorAll(".jumps button").forEach((b) =>
    b.addEventListener("click", () => jump(b.dataset.step)));
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("text").value;
    $("text").value = "";
    guarded(() => send(text));
  });
  $("text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      $("composer").requestSubmit();
    } else if ((e.ctrlKey || e.metaKey) && ["b", "i"].includes(e.key.toLowerCase())) {
      e.preventDefault();
      wrapSelection(e.key.toLowerCase() === "b" ? "**" : "__");
    }
  });
  $("bold").addEventListener("click", () => wrapSelection("**"));
  $("italic").addEventListener("click", () => wrapSelection("__"));
  $("drawer-open").addEventListener("click", () => openDrawer(true));
  $("drawer-close").addEventListener("click", () => openDrawer(false));
  $("backdrop").addEventListener("click", () => openDrawer(false));
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") openDrawer(false); });
  $("menu-button").addEventListener("click", () => guarded(openMenu));
  $("add-persona").addEventListener("click", () => {
    $("persona-form").hidden = false;
    $("persona-name").focus();
  });
  $("persona-cancel").addEventListener("click", () => { $("persona-form").hidden = true; });
  $("persona-form").addEventListener("submit", (e) => guarded(() => addPersona(e)));
  document.body.dataset.ready = "true";
  if (PHONE.matches) {
    $("text").placeholder = "Message… **bold** __italic__";
    status("☰ Chats: pick a chat, or act as someone else.");
  } else {
    status("Pick a chat on the left, or act as someone else with “Acting as”.");
  }
  follow();
}

main().catch((error) => status(`⚠️ The sandbox did not start: ${error.message}`));
