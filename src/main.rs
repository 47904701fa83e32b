//! Entry point: panic hook and mount; everything else lives in the library.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ecom_playground::App);
}
