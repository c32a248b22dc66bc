//! The browser app's entry point: mounts the Yew UI. Built by trunk (see index.html); natively it
//! only points at the command-line runner.

fn main() {
    #[cfg(target_arch = "wasm32")]
    kafka_classroom::ui::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("kafka-classroom-web is the browser app: run `trunk serve` (see README.md). For the command line use `kafka-classroom`.");
}
