//! The parts the release build loads after the first: split points that fail with an error
//! instead of stopping the app.
//!
//! `scripts/build.sh` compiles with `--cfg ecom_split`, which turns each function marked
//! `#[cfg_attr(ecom_split, wasm_split_helpers::wasm_split(<part>, fallible))]` into a split
//! point: `wasm-split-cli` moves it, and the code only it reaches, into the chunk `<part>`, and
//! the function becomes `async`, fetching the chunk on its first call. `fallible` makes a
//! chunk that cannot be fetched (the connection dropped; a new release replaced the files
//! while the page was open) an [`AppError::PartUnavailable`], which the page shows in the
//! part's place, instead of a panic that would stop the whole app. A failed fetch is not
//! remembered, so the next call tries again. Other builds (the tests' wasm, `trunk serve`)
//! have no split points and call the same functions directly.
//!
//! Two helpers schedule the parts: `fetch_now` (release build only) starts a chunk's download
//! before it is needed, and [`next_task`] puts a piece of rendering in a task of its own.

use std::future::Future;
#[cfg(ecom_split)]
use std::task::{Context, Waker};

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen_futures::JsFuture;

use crate::error::AppError;

/// Calls a split point, inside an `async` block: `part!(later(Later::Steps))` gives the
/// function's `Result`. The chunk loader's future is not `Send`; Leptos' `Suspend` wants one,
/// and the browser has one thread, so it is wrapped.
#[cfg(ecom_split)]
macro_rules! part {
    ($call:expr) => {
        ::send_wrapper::SendWrapper::new($call).await
    };
}

/// Calls a split point: without `ecom_split` it is a plain function.
#[cfg(not(ecom_split))]
macro_rules! part {
    ($call:expr) => {
        $call
    };
}

/// A part's view, or, when it could not be loaded, the error in its place.
pub fn shown(part: Result<AnyView, AppError>) -> AnyView {
    part.unwrap_or_else(|error| {
        view! { <p class="error" role="alert" data-testid="part-error">{error.to_string()}</p> }
            .into_any()
    })
}

/// Resolves in a later task of the browser's event loop (`setTimeout(0)`): awaited before
/// rendering a part, it lets the browser paint and answer input between two long pieces of
/// work instead of running them as one.
pub fn next_task() -> impl Future<Output = ()> + Send {
    SendWrapper::new(async {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let queued =
                web_sys::window().is_some_and(|w| w.set_timeout_with_callback(&resolve).is_ok());
            if !queued {
                let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
            }
        });
        let _ = JsFuture::from(promise).await;
    })
}

/// Starts fetching a part's chunk now, before anything needs it: `preload` is the future the
/// split point's `preload(...)` option makes. Its first poll calls the chunk loader, which
/// begins the download and keeps it for the part's own call; a task sees it through. Called
/// before the first render, the token step's chunk downloads while the Settings form is being
/// rendered, when the network would otherwise be idle. A failure is left to the part's own
/// call, which reports it (and tries again).
#[cfg(ecom_split)]
pub fn fetch_now(
    preload: impl Future<Output = Result<(), wasm_split_helpers::SplitLoaderError>> + 'static,
) {
    let mut preload = Box::pin(preload);
    if preload
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_pending()
    {
        leptos::task::spawn_local(async move {
            let _ = preload.await;
        });
    }
}

/// A part that renders once its future resolves, with `loading` (a status line, or nothing) in
/// its place until then. One non-generic path for every part: Leptos' `Suspense` and `Suspend`
/// would instantiate their async machinery once per call site.
pub fn deferred(
    loading: Option<&'static str>,
    load: std::pin::Pin<Box<dyn Future<Output = AnyView>>>,
) -> AnyView {
    let slot = RwSignal::new_local(None::<AnyView>);
    // Under this owner (the part's components read its context), tracking nothing.
    leptos::task::spawn_local(leptos::reactive::computed::ScopedFuture::new_untracked(
        async move {
            let view = load.await;
            slot.set(Some(view));
        },
    ));
    (move || match slot.try_update_untracked(Option::take).flatten() {
        Some(view) => view,
        None if slot.with(Option::is_none) => loading
            .map(|text| view! { <p class="hint" role="status">{text}</p> }.into_any())
            .unwrap_or_else(|| ().into_any()),
        None => ().into_any(),
    })
    .into_any()
}
