// Apps' Home tabs (docs/integrations.md, App Home): a DM with an app has two tabs, Home and
// Messages, as in Slack. Home asks views.home (the app hears app_home_opened and may publish),
// draws the published view's blocks with blocks.js and redraws it on view_published from the
// person's stream; its elements press blocks.actions with the view's id (its inputs only with
// dispatch_action, blocks.js input). Messages is the DM.
// Methods of Client (app.js).

import { call } from "./api.js";
import { block } from "./blocks.js";
import { append, clear, h } from "./dom.js";

export class Home {
  homeState() {
    this.appIds ??= new Map(); // bot user id -> its app's id, or null (a bot of no app)
    this.homes ??= new Map(); // app id -> its Home view for me, as last published
    this.tabs ??= new Map(); // conversation id -> "home" | "messages", as last chosen
    this.published ??= new Map(); // app id -> how many view_published were heard
    return this;
  }

  // The app of a DM, if its other member is an app's bot: bots.info, once per bot.
  async resolveApp(c) {
    const { appIds } = this.homeState();
    if (!c?.is_im) return null;
    await this.ensureUsers([c.user]);
    const user = this.users.get(c.user);
    if (!user?.is_bot || !user.profile?.bot_id) return null;
    if (!appIds.has(user.id)) {
      try {
        const { bot } = await call("bots.info", { bot: user.profile.bot_id });
        appIds.set(user.id, bot.app_id ?? null);
      } catch (err) {
        console.warn("bots.info", err);
        return null;
      }
    }
    return appIds.get(user.id);
  }

  // The app whose DM is open, if its app is known.
  currentApp() {
    const c = this.channels.get(this.current);
    return c?.is_im ? this.homeState().appIds.get(c.user) ?? null : null;
  }

  // The tab shown for a conversation: an app's DM opens where it was left, on Home at first;
  // a message to reveal (a permalink, a search result, a notification) is on Messages.
  tabFor(id, focus) {
    const { tabs } = this.homeState();
    if (focus) tabs.set(id, "messages");
    return tabs.get(id) ?? "home";
  }

  // The tabs in the header and the pane under them; Home is read again each time it is shown.
  drawTabs(focus) {
    const app = this.currentApp();
    this.main.classList.toggle("app-dm", Boolean(app));
    if (!app) {
      clear(this.tabsSlot);
      this.main.classList.remove("home-tab");
      this.homePane.hidden = true;
      return;
    }
    const id = this.current;
    const shown = this.tabFor(id, focus);
    const tab = (name, label) =>
      h(
        "button",
        {
          role: "tab",
          type: "button",
          id: `tab-${name}`,
          class: "app-tab",
          "aria-selected": String(shown === name),
          "aria-controls": name === "home" ? "app-home" : "messages",
          tabindex: shown === name ? "0" : "-1",
          onclick: () => this.showTab(name),
        },
        label,
      );
    append(clear(this.tabsSlot), [h("div", { class: "app-tabs", role: "tablist", "aria-label": "App" }, tab("home", "Home"), tab("messages", "Messages"))]);
    this.main.classList.toggle("home-tab", shown === "home");
    this.homePane.hidden = shown !== "home";
    if (shown === "home") this.openHome(app);
  }

  showTab(name) {
    if (!this.currentApp()) return;
    this.homeState().tabs.set(this.current, name);
    this.drawTabs();
    if (name === "messages") {
      this.drawMessages({ toBottom: true });
      this.input.focus();
    } else {
      this.homePane.focus();
    }
  }

  // views.home: the view as last published for me (or none), and app_home_opened to the app,
  // which may publish while this is under way: what view_published brought then wins.
  async openHome(app) {
    const { homes, published } = this.homeState();
    const heard = published.get(app) ?? 0;
    if (!homes.has(app)) this.drawHome(app, { loading: true });
    else this.drawHome(app);
    try {
      const { view } = await call("views.home", { app_id: app });
      if ((published.get(app) ?? 0) === heard) {
        if (view) homes.set(app, view);
        else homes.set(app, null);
      }
    } catch (err) {
      this.fail("The app's Home did not open.", err);
    }
    if (this.currentApp() === app) this.drawHome(app);
  }

  onViewPublished(e) {
    const view = e.view;
    if (!view || view.type !== "home" || typeof view.app_id !== "string") return;
    const { homes, published } = this.homeState();
    homes.set(view.app_id, view);
    published.set(view.app_id, (published.get(view.app_id) ?? 0) + 1);
    if (this.currentApp() === view.app_id && !this.homePane.hidden) this.drawHome(view.app_id);
  }

  drawHome(app, { loading = false } = {}) {
    const view = this.homeState().homes.get(app);
    if (loading || view === undefined) {
      append(clear(this.homePane), [h("p", { class: "loading" }, "Loading…")]);
      return;
    }
    const blocks = (view?.blocks ?? []).filter((b) => b && typeof b === "object");
    if (!view || !blocks.length) {
      append(clear(this.homePane), [h("p", { class: "home-empty" }, `${this.label(this.channels.get(this.current))} has nothing on its Home yet.`)]);
      return;
    }
    const ctx = { ...this.ctx(), ...this.viewCtx(view.id) };
    append(clear(this.homePane), [h("div", { class: "blocks home-blocks" }, blocks.map((b) => block(b, ctx)))]);
  }

  // How a view's elements and images are wired (a Home tab's or a modal's): a press calls
  // blocks.actions with the view's id (the app hears block_actions with the view), an image
  // comes through the server's proxy, which serves only the view's own images to its owner.
  viewCtx(viewId) {
    return {
      image: (url) => (typeof url === "string" && /^https?:\/\//i.test(url) ? `/img?${new URLSearchParams({ view: viewId, url })}` : null),
      press: async (b, e, choice) => {
        try {
          await call("blocks.actions", { view_id: viewId, block_id: b.block_id, action_id: e.action_id, ...choice });
          this.clearErrors();
        } catch (err) {
          this.fail("That did not work.", err);
        }
      },
    };
  }
}
