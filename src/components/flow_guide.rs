//! The guide at the top of the steps: the quick start's four flows, and the chosen flow's
//! steps in order, each done, next or later, with what it does and a link to the docs.

use ecom_core::route::{self, Flow};
use leptos::prelude::*;

use crate::state::flow::{scroll_to, FlowCtx, Progress};

/// The flow picker and the current flow's steps.
#[component]
pub fn FlowGuide() -> impl IntoView {
    let ctx = expect_context::<FlowCtx>();
    let flows = Flow::ALL.map(|flow| {
        view! {
            <li>
                <a
                    href=format!("#/{}", flow.slug())
                    data-testid=format!("flow-{}", flow.slug())
                    aria-current=move || (ctx.flow.get() == flow).then_some("true")
                    on:click=move |_| ctx.flow.set(flow)
                >
                    {flow.label()}
                </a>
            </li>
        }
    });
    let steps = move || {
        let flow = ctx.flow.get();
        flow.steps()
            .iter()
            .map(|&step| {
                let (what, docs) = flow.explain(step);
                let progress = move || ctx.progress(step);
                view! {
                    <li data-guide=move || progress().as_str() data-testid=format!("guide-{}", step.slug())>
                        <a href=route::link(flow, step) on:click=move |_| scroll_to(step)>{step.label()}</a>
                        <span class="guide-mark">
                            {move || match progress() {
                                Progress::Done => " · done",
                                Progress::Next => " · next",
                                Progress::Later | Progress::Elsewhere => "",
                            }}
                        </span>
                        // Only the next step says what it does, so the guide stays short.
                        <Show when=move || progress() == Progress::Next>
                            <p class="hint">
                                {what} " "
                                <a href=docs target="_blank" rel="noopener noreferrer">"Read more in the docs"</a>
                            </p>
                        </Show>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <nav class="panel guide" aria-label="Quick-start flows" data-testid="flow-guide">
            <ul class="flows">{flows}</ul>
            <ol class="guide-steps" aria-label=move || format!("{} steps", ctx.flow.get().label())>{steps}</ol>
            <p class="hint">"Every step below stays available in any order; the marked one is next in this flow."</p>
        </nav>
    }
}
