//! The flow the page is in (regular, express, userinfo, QR) and the link it was opened with.
//!
//! Links are `#/<flow>[/<step>][?<field>=<value>]` (see `ecom_core::route`). The link is read
//! once, when the steps first render: it picks the flow, the step to show, and what to prefill.
//! After that the flow follows the user's choice of payment kind.

use ecom_core::route::{Flow, Route, Step};
use leptos::prelude::*;

/// The current flow, and the link the page was opened with.
#[derive(Clone, Copy)]
pub struct FlowCtx {
    /// The flow the steps belong to; the initiate step's kind of payment follows it.
    pub flow: RwSignal<Flow>,
    /// The link the page was opened with, if it was a link into a flow or step.
    pub opened_with: StoredValue<Option<Route>>,
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
            opened_with: StoredValue::new(route),
        };
        provide_context(ctx);
        ctx
    }

    /// The value the link gives for an initiate-form field, if any.
    pub fn prefill(&self, field: &str) -> Option<String> {
        self.opened_with
            .with_value(|r| r.as_ref().and_then(|r| r.value(field)).map(str::to_owned))
    }

    /// The step the link names, if any.
    pub fn linked_step(&self) -> Option<Step> {
        self.opened_with
            .with_value(|r| r.as_ref().and_then(|r| r.step))
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
