//! Compare's second stage: run B drawn whole (brokers, partitions with their ISR and high
//! watermark, producers and consumers) beside run A's, with its own element ids ("b-" before
//! each, so the two stages share the page) and its own fit to its own measured size. It
//! follows the one set of controls; its nodes take no clicks (a command goes to run A and
//! reaches B at the same simulated time).

use super::stage::Stage;
use super::store::Store;
use crate::present::stage::{cuts, dots, fit, stage_view, StageOptions, StageSize};
use std::rc::Rc;
use yew::prelude::*;

/// The id prefix of B's stage.
pub const B_PREFIX: &str = "b-";

#[derive(Properties, PartialEq)]
pub struct StageBProps {
    pub store: UseReducerHandle<Store>,
    /// The partition zoomed on A's stage: B zooms the same one.
    pub zoomed: Option<String>,
    pub on_zoom: Callback<String>,
    pub presenter: bool,
}

#[function_component(StageB)]
pub fn stage_b(p: &StageBProps) -> Html {
    let size = use_state(|| StageSize {
        width: 900,
        height: 480,
        presenter: false,
    });
    super::app::use_stage_size(&size, p.presenter, "b-blocks-area");
    let session = p.store.session();
    let Some(run) = session.comparing() else {
        return html! {};
    };
    let world = run.other_world();
    let options = StageOptions {
        zoomed: p.zoomed.clone(),
        highlight: Vec::new(),
    };
    let view = Rc::new(stage_view(world, &options));
    let stage_fit = Rc::new(fit(
        &view,
        StageSize {
            presenter: p.presenter,
            ..*size
        },
    ));
    let layout = super::app::layout_key(&stage_fit, &view, *size, p.presenter, None);
    html! {
        <Stage view={view} fit={stage_fit} dots={Rc::new(dots(world))} cuts={Rc::new(cuts(world))} drops={Rc::new(Vec::new())}
            on_node={Callback::noop()} on_zoom={p.on_zoom.clone()} on_record={Callback::noop()} on_why={Callback::noop()}
            layout={layout} prefix={B_PREFIX} lane={Some(AttrValue::from("B"))} />
    }
}
