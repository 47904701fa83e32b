//! The express checkout's static shipping options (`staticShippingDetails`), editable: add,
//! remove, change any field and pick the default. Checking them is `ecom_core`'s job
//! ([`payment::shipping_options`]); this only holds what is typed.

use ecom_core::payment::{self, ShippingDraft, ShippingOption, MAX_SHIPPING_OPTIONS};
use leptos::prelude::*;

use crate::components::field::TextField;

/// One option's inputs. `key` names its elements and stays the same while the row exists.
#[derive(Clone, Copy)]
struct Row {
    key: usize,
    method: RwSignal<String>,
    method_id: RwSignal<String>,
    cost: RwSignal<String>,
    priority: RwSignal<String>,
    is_default: RwSignal<bool>,
}

/// What the editor holds; the initiate step creates it and builds the request from it.
#[derive(Clone, Copy)]
pub struct ShippingRows {
    rows: RwSignal<Vec<Row>>,
}

impl ShippingRows {
    /// The Postman collection's two options.
    pub fn postman() -> ShippingRows {
        let this = ShippingRows {
            rows: RwSignal::new(Vec::new()),
        };
        for option in ShippingOption::postman_defaults() {
            this.push(ShippingDraft::from(&option));
        }
        this
    }

    /// The key the next row gets: never one a row has now.
    fn next_key(&self) -> usize {
        self.rows
            .with_untracked(|rows| rows.iter().map(|r| r.key).max().unwrap_or(0) + 1)
    }

    fn push(&self, draft: ShippingDraft) {
        let key = self.next_key();
        self.rows.update(|rows| {
            rows.push(Row {
                key,
                method: RwSignal::new(draft.method),
                method_id: RwSignal::new(draft.method_id),
                cost: RwSignal::new(draft.cost),
                priority: RwSignal::new(draft.priority),
                is_default: RwSignal::new(draft.is_default),
            });
        });
    }

    fn add(&self) {
        let key = self.next_key();
        let priority = self.rows.with_untracked(|rows| rows.len() + 1);
        self.push(ShippingDraft {
            method: format!("Shipping method {key}"),
            method_id: format!("shippingMethodId{key}"),
            cost: "0".to_owned(),
            priority: priority.to_string(),
            is_default: false,
        });
    }

    /// The options to send, or what to fix first.
    ///
    /// # Errors
    /// As [`payment::shipping_options`].
    pub fn options(&self) -> Result<Vec<ShippingOption>, String> {
        let drafts: Vec<ShippingDraft> = self.rows.with(|rows| {
            rows.iter()
                .map(|r| ShippingDraft {
                    method: r.method.get(),
                    method_id: r.method_id.get(),
                    cost: r.cost.get(),
                    priority: r.priority.get(),
                    is_default: r.is_default.get(),
                })
                .collect()
        });
        payment::shipping_options(&drafts)
    }
}

/// The editor.
#[component]
pub fn ShippingEditor(
    /// The options being edited.
    rows: ShippingRows,
) -> impl IntoView {
    // Rows are drawn again only when one is added or removed; typing changes a row's own
    // signals. A keyed <For> would keep focus across that too, at 5 KB of bundle.
    let row_view = move |(index, row): (usize, Row)| {
        let key = row.key;
        let number = index + 1;
        let id = move |field: &str| format!("shipping-{key}-{field}");
        view! {
            <fieldset class="shipping-option" data-testid=id("option")>
                <legend>{format!("Option {number}")}</legend>
                <div class="grid2">
                    <TextField label="shippingMethod (name shown)" id=id("method") value=row.method />
                    <TextField label="shippingMethodId" id=id("id") value=row.method_id />
                    <TextField label="Cost (NOK)" id=id("cost") value=row.cost />
                    <TextField label="priority" id=id("priority") value=row.priority />
                </div>
                <div class="checks">
                    <div class="check">
                        <input
                            id=id("default")
                            data-testid=id("default")
                            type="radio"
                            name="shipping-default"
                            prop:checked=move || row.is_default.get()
                            on:change=move |_| {
                                rows.rows.with_untracked(|all| all.iter().for_each(|r| r.is_default.set(r.key == key)));
                            }
                        />
                        <label for=id("default")>"isDefault (preselected in the app)"</label>
                    </div>
                    <button
                        type="button"
                        class="secondary"
                        data-testid=id("remove")
                        aria-label=format!("Remove option {number}")
                        on:click=move |_| rows.rows.update(|all| all.retain(|r| r.key != key))
                    >
                        "Remove"
                    </button>
                </div>
            </fieldset>
        }
    };
    view! {
        <fieldset class="shipping" data-testid="shipping-editor">
            <legend>"Static shipping options"</legend>
            <p class="hint">
                "Shown in the app by ascending priority, the default one preselected. Costs are typed in NOK and sent as a decimal number of NOK (shippingCost), unlike every other amount."
            </p>
            {move || rows.rows.get().into_iter().enumerate().map(row_view).collect_view()}
            <button
                type="button"
                class="secondary"
                data-testid="shipping-add"
                disabled=move || rows.rows.with(|r| r.len() >= MAX_SHIPPING_OPTIONS)
                on:click=move |_| rows.add()
            >
                "Add shipping option"
            </button>
            <p class="field-error" role="status" data-testid="shipping-error">
                {move || rows.options().err()}
            </p>
        </fieldset>
    }
}
