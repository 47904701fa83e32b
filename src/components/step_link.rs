//! "Copy link": the link to a step of the current flow, for a documentation page or a colleague.

use ecom_core::route::Step;
use leptos::prelude::*;

use crate::components::curl_view::copy_to_clipboard;
use crate::state::flow::FlowCtx;

/// A "Copy link" button for `step`; after a click it shows the link it copied.
#[component]
pub fn StepLink(
    /// The step the link opens.
    step: Step,
) -> impl IntoView {
    let flow = expect_context::<FlowCtx>();
    let copied: RwSignal<Option<(String, Result<(), String>)>> = RwSignal::new(None);
    let copy = move |_| {
        let link = flow.link_to(step);
        leptos::task::spawn_local(async move {
            let result = copy_to_clipboard(link.clone()).await;
            copied.set(Some((link, result)));
        });
    };
    view! {
        <div class="step-link">
            <button type="button" class="link" data-testid=format!("copy-link-{}", step.slug()) on:click=copy>
                "Copy link to this step"
            </button>
            {move || copied.get().map(|(link, result)| view! {
                <p class="hint" role="status" data-testid="copied-link">
                    {match result {
                        Ok(()) => "Copied: ".to_owned(),
                        Err(why) => format!("Not copied ({why}): "),
                    }}
                    <code class="wrap">{link}</code>
                </p>
            })}
        </div>
    }
}
