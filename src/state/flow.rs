//! The flow the page is in (regular, express, userinfo, QR) and the link it was opened with.
//!
//! Links are `#/<flow>[/<step>][?<field>=<value>]` (see `ecom_core::route`). The link is read
//! when the steps first render and again whenever the fragment changes: it picks the flow, the
//! step to show, and what to prefill. In between, the flow follows the user's choice of
//! payment kind.

use ecom_core::details::PaymentDetails;
use ecom_core::route::{Flow, Route, Step};
use leptos::prelude::*;

use super::session::SessionCtx;

/// The current flow, and the link the page was opened with.
#[derive(Clone, Copy)]
pub struct FlowCtx {
    /// The flow the steps belong to; the initiate step's kind of payment follows it.
    pub flow: RwSignal<Flow>,
    /// The last link into a flow or step the page followed: the one it was opened with, then
    /// any it went to without reloading (a link on the page, the address bar's fragment).
    pub route: RwSignal<Option<Route>>,
    /// The steps done for the current payment (the token is done while one is valid).
    pub done: RwSignal<Vec<Step>>,
}

/// Where a step stands in the current flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Done for the current payment.
    Done,
    /// The step to do next.
    Next,
    /// Later in the flow.
    Later,
    /// Not part of the current flow (still available in the workbench).
    Elsewhere,
}

impl Progress {
    /// The value of the step's `data-guide` attribute, which the CSS marks.
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Done => "done",
            Progress::Next => "next",
            Progress::Later => "later",
            Progress::Elsewhere => "elsewhere",
        }
    }
}

impl FlowCtx {
    /// Reads the page's link and provides the context.
    pub fn provide() -> FlowCtx {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        let route = Route::parse(&hash);
        let ctx = FlowCtx {
            flow: RwSignal::new(route.as_ref().and_then(|r| r.flow).unwrap_or(Flow::Regular)),
            route: RwSignal::new(route),
            done: RwSignal::new(Vec::new()),
        };
        // A new current payment has been initiated (or resumed): its later steps start anew.
        let session = expect_context::<SessionCtx>();
        session.on_new_order(move || ctx.done.set(vec![Step::Initiate]));
        // A link followed without a reload (the fragment changed) is applied as on a first load.
        let listener = window_event_listener(leptos::ev::hashchange, move |_| {
            let hash = web_sys::window()
                .and_then(|w| w.location().hash().ok())
                .unwrap_or_default();
            if let Some(route) = Route::parse(&hash) {
                if let Some(flow) = route.flow {
                    ctx.flow.set(flow);
                }
                if let Some(step) = route.step {
                    request_animation_frame(move || scroll_to(step));
                }
                ctx.route.set(Some(route));
            }
        });
        on_cleanup(move || listener.remove());
        provide_context(ctx);
        ctx
    }

    /// Records that `step` succeeded for the current payment.
    pub fn mark_done(&self, step: Step) {
        if !self.done.with_untracked(|d| d.contains(&step)) {
            self.done.update(|d| d.push(step));
        }
    }

    /// Records what a details answer shows was done: approved (reserved), captured, refunded,
    /// cancelled, and the details themselves.
    pub fn mark_details(&self, details: &PaymentDetails) {
        self.mark_done(Step::Details);
        let summary = details.transaction_summary.unwrap_or_default();
        if details.reserved_amount().is_some() {
            self.mark_done(Step::Approve);
        }
        if summary.captured_amount > 0 {
            self.mark_done(Step::Capture);
        }
        if summary.refunded_amount > 0 {
            self.mark_done(Step::Refund);
        }
    }

    /// Where `step` stands in the current flow (reactive).
    pub fn progress(&self, step: Step) -> Progress {
        let session = expect_context::<SessionCtx>();
        let flow = self.flow.get();
        let steps = flow.steps();
        if !steps.contains(&step) {
            return Progress::Elsewhere;
        }
        let has_token = session.token.with(Option::is_some);
        let done = |s: &Step| (*s == Step::Token && has_token) || self.done.with(|d| d.contains(s));
        if done(&step) {
            return Progress::Done;
        }
        match steps.iter().find(|s| !done(s)) {
            Some(next) if *next == step => Progress::Next,
            _ => Progress::Later,
        }
    }

    /// The value the current link gives for an initiate-form field, if any (untracked).
    pub fn prefill(&self, field: &str) -> Option<String> {
        self.route
            .with_untracked(|r| r.as_ref().and_then(|r| r.value(field)).map(str::to_owned))
    }

    /// Runs `f` with every link followed after the first load (not for the first one, which
    /// the steps read as they are created).
    pub fn on_link(&self, f: impl Fn(&Route) + 'static) {
        let route = self.route;
        Effect::new(move |first_run_done: Option<()>| {
            route.with(|r| {
                if let (Some(r), Some(())) = (r, first_run_done) {
                    f(r);
                }
            });
        });
    }

    /// Whether the current link asks for embed mode (`embed=1`) (untracked).
    pub fn embedded(&self) -> bool {
        self.route
            .with_untracked(|r| r.as_ref().is_some_and(|r| r.embed))
    }

    /// The step the current link names, if any (untracked).
    pub fn linked_step(&self) -> Option<Step> {
        self.route
            .with_untracked(|r| r.as_ref().and_then(|r| r.step))
    }

    /// The absolute link to `step` in the current flow.
    pub fn link_to(&self, step: Step) -> String {
        let base = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        let base = base.split('#').next().unwrap_or_default();
        format!(
            "{base}{}",
            ecom_core::route::link(self.flow.get_untracked(), step)
        )
    }
}

/// The id of the heading of the section that holds `step`.
fn title_id(step: Step) -> &'static str {
    match step {
        Step::Token => "step-token-title",
        Step::Initiate => "step-initiate-title",
        Step::Approve => "step-approve-title",
        Step::Capture | Step::Cancel | Step::Refund => "step-ops-title",
        Step::Details => "step-details-title",
        Step::Userinfo => "step-userinfo-title",
        Step::Qr => "step-qr-title",
    }
}

/// Embed mode: marks the page `data-embed` (the CSS then hides the header, the side panels
/// and the guide's other flows) and, for a link to a step, that step's section
/// `data-embedded`, so only it shows.
pub fn embed(step: Option<Step>) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(body) = document.body() {
        let _ = body.set_attribute("data-embed", if step.is_some() { "step" } else { "flow" });
    }
    if let Some(step) = step {
        when_mounted(step, |section| {
            let _ = section.set_attribute("data-embedded", "true");
        });
    }
}

/// Scrolls the section of `step` into view and moves the focus there, once it is on the page.
pub fn scroll_to(step: Step) {
    when_mounted(step, |section| {
        // Focus first: focusing scrolls on its own, and the scroll below then puts the section
        // at the top.
        if let Some(section) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&section) {
            let _ = section.focus();
        }
        section.scroll_into_view();
    });
}

/// Runs `f` with the section of `step` as soon as it is on the page: the steps arrive with
/// their chunk, and a link may be read before they are mounted, so this looks again every
/// 16 ms for about a second. Timers, not animation frames: frames do not run in an iframe that
/// is off screen, as an embedded playground often is.
fn when_mounted(step: Step, f: fn(web_sys::Element)) {
    fn attempt(step: Step, f: fn(web_sys::Element), tries_left: u32) {
        let section = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(title_id(step)))
            .and_then(|title| title.parent_element());
        match section {
            Some(section) => f(section),
            None if tries_left > 0 => set_timeout(
                move || attempt(step, f, tries_left - 1),
                std::time::Duration::from_millis(16),
            ),
            None => {}
        }
    }
    attempt(step, f, 60);
}
