//! Small labelled form controls shared by the steps.

use leptos::prelude::*;

/// A labelled text input bound to a signal.
#[component]
pub fn TextField(
    /// The visible label.
    label: &'static str,
    /// The element id (also its `data-testid`).
    #[prop(into)]
    id: String,
    /// The value.
    value: RwSignal<String>,
    /// A hint or the validation message shown under the input.
    #[prop(optional, into)]
    error: Option<Signal<Option<String>>>,
    /// Placeholder text.
    #[prop(optional)]
    placeholder: &'static str,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                data-testid=id
                type="text"
                autocomplete="off"
                spellcheck="false"
                placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id role="status">{move || error.get()}</p>
        </div>
    }
}

/// A labelled checkbox bound to a signal.
#[component]
pub fn CheckField(
    /// The visible label.
    label: &'static str,
    /// The element id (also its `data-testid`).
    id: &'static str,
    /// The value.
    value: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="check">
            <input
                id=id
                data-testid=id
                type="checkbox"
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            <label for=id>{label}</label>
        </div>
    }
}
